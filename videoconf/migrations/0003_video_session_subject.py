# A session names what it is for opaquely (subject_kind, subject_id, guest_label) and its host
# (a user), instead of foreign keys into scheduling and offices (issue 10: videoconf is a leaf).
# The old columns are copied over by scheduling's 0004 and dropped by 0004 here.

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('videoconf', '0002_video_signal'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name='videosession',
            name='guest_label',
            field=models.CharField(blank=True, default='', max_length=40),
        ),
        migrations.AddField(
            model_name='videosession',
            name='host',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='video_sessions', to=settings.AUTH_USER_MODEL),
        ),
        migrations.AddField(
            model_name='videosession',
            name='subject_id',
            field=models.BigIntegerField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name='videosession',
            name='subject_kind',
            field=models.CharField(blank=True, default='', max_length=32),
        ),
        migrations.AddIndex(
            model_name='videosession',
            index=models.Index(fields=['subject_kind', 'subject_id'], name='videosession_subject'),
        ),
    ]
