from django.apps import AppConfig


class AppointmentsConfig(AppConfig):
    name = "scheduling.appointments"
    label = "appointments"
    verbose_name = "Termine"

    def ready(self) -> None:
        from scheduling.appointments import receivers
        from videoconf import events

        events.video_session_started.connect(
            receivers.on_video_session_started, dispatch_uid="appointments-video-started"
        )
        events.video_session_ended.connect(
            receivers.on_video_session_ended, dispatch_uid="appointments-video-ended"
        )
