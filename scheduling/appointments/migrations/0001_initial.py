# The appointments' models move here from the legacy app `scheduling` (issue 10): state only,
# the tables keep their names.

import django.contrib.postgres.constraints
import django.db.models.deletion
import platform_core.db
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
                    name='Appointment',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('kind', models.CharField(choices=[('appointment', 'Appointment'), ('block', 'Blocked time')], default='appointment', max_length=12)),
                        ('reference', models.CharField(max_length=16, unique=True)),
                        ('mode', models.CharField(choices=[('video', 'Video call'), ('in_person', 'In person')], default='in_person', max_length=10)),
                        ('start', models.DateTimeField()),
                        ('end', models.DateTimeField()),
                        ('blocked_until', models.DateTimeField(help_text='end plus buffer: the time the official is held')),
                        ('status', models.CharField(choices=[('booked', 'Booked'), ('in_session', 'In session'), ('done', 'Done'), ('cancelled', 'Cancelled'), ('no_show', 'No-show')], default='booked', max_length=12)),
                        ('name', models.CharField(blank=True, max_length=100)),
                        ('email', models.EmailField(blank=True, max_length=254)),
                        ('phone', models.CharField(blank=True, max_length=40)),
                        ('language', models.CharField(default='de', max_length=8)),
                        ('note', models.CharField(blank=True, max_length=500)),
                        ('manage_token_hash', models.CharField(blank=True, max_length=64)),
                        ('created_at', models.DateTimeField(auto_now_add=True)),
                        ('cancelled_at', models.DateTimeField(blank=True, null=True)),
                        ('reminder_sent_at', models.DateTimeField(blank=True, null=True)),
                        ('anonymised_at', models.DateTimeField(blank=True, null=True)),
                        ('office', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='appointments', to='offices.office')),
                        ('official', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='appointments', to='offices.staffmember')),
                        ('service', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='appointments', to='offices.service')),
                    ],
                    options={
                        'db_table': 'scheduling_appointment',
                        'ordering': ['start'],
                    },
                ),
                migrations.CreateModel(
                    name='AppointmentMail',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('kind', models.CharField(choices=[('confirmation', 'Confirmation'), ('rescheduled', 'Change of appointment'), ('cancellation', 'Cancellation'), ('reminder', 'Reminder')], max_length=16)),
                        ('status', models.CharField(choices=[('pending', 'Pending'), ('sent', 'Sent'), ('failed', 'Failed')], default='pending', max_length=8)),
                        ('attempts', models.PositiveSmallIntegerField(default=0)),
                        ('error', models.CharField(blank=True, max_length=100)),
                        ('created_at', models.DateTimeField(auto_now_add=True)),
                        ('finished_at', models.DateTimeField(blank=True, null=True)),
                        ('appointment', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='mails', to='appointments.appointment')),
                    ],
                    options={
                        'db_table': 'scheduling_appointmentmail',
                        'ordering': ['created_at', 'id'],
                    },
                ),
                migrations.AddIndex(
                    model_name='appointment',
                    index=models.Index(fields=['office', 'start'], name='scheduling__office__1de577_idx'),
                ),
                migrations.AddIndex(
                    model_name='appointment',
                    index=models.Index(fields=['official', 'start'], name='scheduling__officia_2ec37d_idx'),
                ),
                migrations.AddConstraint(
                    model_name='appointment',
                    constraint=models.CheckConstraint(condition=models.Q(('start__lt', models.F('end'))), name='appointment_start_before_end'),
                ),
                migrations.AddConstraint(
                    model_name='appointment',
                    constraint=django.contrib.postgres.constraints.ExclusionConstraint(condition=models.Q(('status__in', ['booked', 'in_session', 'done'])), expressions=[('official', '='), (platform_core.db.TsTzRange('start', 'blocked_until'), '&&')], name='appointment_no_double_booking'),
                ),
                migrations.AddIndex(
                    model_name='appointmentmail',
                    index=models.Index(fields=['appointment', 'created_at'], name='scheduling__appoint_177a2a_idx'),
                ),
            ],
            database_operations=[],
        ),
        migrations.RunPython(_rename_content_types('appointments', ['appointment', 'appointmentmail']), migrations.RunPython.noop),
    ]
