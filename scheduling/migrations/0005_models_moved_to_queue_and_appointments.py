# The legacy app hands its models over to scheduling.queue and scheduling.appointments
# (issue 10): state only, the tables stay.

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('queue', '0001_initial'),
        ('appointments', '0001_initial'),
        ('videoconf', '0004_video_session_drop_foreign_keys'),
        ('scheduling', '0004_video_session_subjects'),
    ]

    operations = [
        # The tables stay as they are (Meta.db_table): only Django's model state moves.
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.RemoveField(
                    model_name='appointmentmail',
                    name='appointment',
                ),
                migrations.RemoveField(
                    model_name='ticket',
                    name='office',
                ),
                migrations.RemoveField(
                    model_name='ticket',
                    name='official',
                ),
                migrations.RemoveField(
                    model_name='ticket',
                    name='service',
                ),
                migrations.RemoveField(
                    model_name='ticketcounter',
                    name='office',
                ),
                migrations.DeleteModel(
                    name='Appointment',
                ),
                migrations.DeleteModel(
                    name='AppointmentMail',
                ),
                migrations.DeleteModel(
                    name='Ticket',
                ),
                migrations.DeleteModel(
                    name='TicketCounter',
                ),
            ],
            database_operations=[],
        ),
    ]
