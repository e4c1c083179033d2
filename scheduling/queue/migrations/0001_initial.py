# The waiting room's models move here from the legacy app `scheduling` (issue 10): state only,
# the tables keep their names.

import django.db.models.deletion
from django.db import migrations, models



def _rename_content_types(new_label, model_names):
    """Keep the content type rows of the moved models (and with them their ids: permissions,
    admin log entries) by renaming them, unless the new ones exist already."""

    def forwards(apps, schema_editor):
        ContentType = apps.get_model("contenttypes", "ContentType")
        db = schema_editor.connection.alias
        taken = ContentType.objects.using(db).filter(app_label=new_label).values("model")
        ContentType.objects.using(db).filter(app_label="scheduling", model__in=model_names).exclude(
            model__in=taken
        ).update(app_label=new_label)

    return forwards


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('contenttypes', '0002_remove_content_type_name'),
        ('scheduling', '0004_video_session_subjects'),
        ('offices', '0002_initial'),
    ]

    operations = [
        # The tables stay as they are (Meta.db_table): only Django's model state moves.
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name='Ticket',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('day', models.DateField(help_text='local date the number belongs to')),
                        ('sequence', models.PositiveIntegerField()),
                        ('number', models.CharField(max_length=12)),
                        ('token_hash', models.CharField(max_length=64, unique=True)),
                        ('status', models.CharField(choices=[('waiting', 'Waiting'), ('called', 'Called'), ('in_session', 'In session'), ('done', 'Done'), ('left', 'Left'), ('expired', 'Expired'), ('no_show', 'No-show')], default='waiting', max_length=12)),
                        ('mode', models.CharField(choices=[('video', 'Video call'), ('in_person', 'In person')], default='video', max_length=10)),
                        ('name', models.CharField(blank=True, max_length=100)),
                        ('email', models.EmailField(blank=True, max_length=254)),
                        ('phone', models.CharField(blank=True, max_length=40)),
                        ('language', models.CharField(default='de', max_length=8)),
                        ('call_count', models.PositiveSmallIntegerField(default=0)),
                        ('created_at', models.DateTimeField(auto_now_add=True)),
                        ('called_at', models.DateTimeField(blank=True, null=True)),
                        ('joined_at', models.DateTimeField(blank=True, null=True)),
                        ('started_at', models.DateTimeField(blank=True, null=True)),
                        ('finished_at', models.DateTimeField(blank=True, null=True)),
                        ('anonymised_at', models.DateTimeField(blank=True, null=True)),
                        ('office', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='tickets', to='offices.office')),
                        ('official', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='tickets', to='offices.staffmember')),
                        ('service', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='tickets', to='offices.service')),
                    ],
                    options={
                        'db_table': 'scheduling_ticket',
                        'ordering': ['created_at', 'id'],
                        'indexes': [models.Index(fields=['office', 'status', 'created_at'], name='scheduling__office__56f168_idx')],
                        'constraints': [models.UniqueConstraint(fields=('office', 'day', 'sequence'), name='ticket_number_unique_per_office_day')],
                    },
                ),
                migrations.CreateModel(
                    name='TicketCounter',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('day', models.DateField()),
                        ('last', models.PositiveIntegerField(default=0)),
                        ('office', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='offices.office')),
                    ],
                    options={
                        'db_table': 'scheduling_ticketcounter',
                        'constraints': [models.UniqueConstraint(fields=('office', 'day'), name='one_counter_per_day')],
                    },
                ),
            ],
            database_operations=[],
        ),
        migrations.RunPython(_rename_content_types('queue', ['ticket', 'ticketcounter']), migrations.RunPython.noop),
    ]
