from django.apps import AppConfig


class SchedulingConfig(AppConfig):
    name = "scheduling"

    def ready(self) -> None:
        from scheduling import receivers
        from videoconf import events

        events.video_session_started.connect(
            receivers.on_video_session_started, dispatch_uid="scheduling-video-started"
        )
        events.video_guest_joined.connect(
            receivers.on_video_guest_joined, dispatch_uid="scheduling-video-guest-joined"
        )
        events.video_session_ended.connect(
            receivers.on_video_session_ended, dispatch_uid="scheduling-video-ended"
        )
