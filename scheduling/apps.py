from django.apps import AppConfig


class SchedulingConfig(AppConfig):
    name = "scheduling"

    def ready(self) -> None:
        from scheduling.appointments import receivers as appointments
        from scheduling.queue import receivers as queue
        from videoconf import events

        # Appointments first, then the waiting room (the order of the calls they replace).
        events.video_session_started.connect(
            appointments.on_video_session_started, dispatch_uid="appointments-video-started"
        )
        events.video_session_started.connect(
            queue.on_video_session_started, dispatch_uid="queue-video-started"
        )
        events.video_guest_joined.connect(
            queue.on_video_guest_joined, dispatch_uid="queue-video-guest-joined"
        )
        events.video_session_ended.connect(
            appointments.on_video_session_ended, dispatch_uid="appointments-video-ended"
        )
        events.video_session_ended.connect(
            queue.on_video_session_ended, dispatch_uid="queue-video-ended"
        )
