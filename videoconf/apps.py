from django.apps import AppConfig


class VideoconfConfig(AppConfig):
    name = "videoconf"
