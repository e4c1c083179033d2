# Copy what a video session was for from its old foreign keys into its opaque subject
# (videoconf 0003 added the columns, videoconf 0004 drops the old ones). It lives here because
# scheduling knows both sides: tickets and appointments are its rows.

from django.db import migrations


def forwards(apps, schema_editor):
    VideoSession = apps.get_model('videoconf', 'VideoSession')
    for session in VideoSession.objects.select_related('ticket', 'appointment', 'official').iterator():
        if session.ticket_id is not None:
            session.subject_kind, session.subject_id = 'ticket', session.ticket_id
            session.guest_label = f'Gast {session.ticket.number}'[:40]
        elif session.appointment_id is not None:
            session.subject_kind, session.subject_id = 'appointment', session.appointment_id
            session.guest_label = f'Gast {session.appointment.reference}'[:40]
        if session.official_id is not None:
            session.host_id = session.official.user_id
        session.save(update_fields=['subject_kind', 'subject_id', 'guest_label', 'host'])


def backwards(apps, schema_editor):
    VideoSession = apps.get_model('videoconf', 'VideoSession')
    StaffMember = apps.get_model('offices', 'StaffMember')
    officials = dict(StaffMember.objects.values_list('user_id', 'pk'))
    for session in VideoSession.objects.iterator():
        session.ticket_id = session.subject_id if session.subject_kind == 'ticket' else None
        session.appointment_id = (
            session.subject_id if session.subject_kind == 'appointment' else None
        )
        session.official_id = officials.get(session.host_id)
        session.save(update_fields=['ticket', 'appointment', 'official'])


class Migration(migrations.Migration):

    dependencies = [
        ('scheduling', '0003_appointment_mail_delivery'),
        ('offices', '0002_initial'),
        ('videoconf', '0003_video_session_subject'),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
