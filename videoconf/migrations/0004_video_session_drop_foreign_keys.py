# The old foreign keys into scheduling and offices go, after scheduling's 0004 copied them.

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('videoconf', '0003_video_session_subject'),
        ('scheduling', '0004_video_session_subjects'),
    ]

    operations = [
        migrations.RemoveField(
            model_name='videosession',
            name='appointment',
        ),
        migrations.RemoveField(
            model_name='videosession',
            name='official',
        ),
        migrations.RemoveField(
            model_name='videosession',
            name='ticket',
        ),
    ]
