from django.core.management.base import BaseCommand

from offices.demo import seed_demo


class Command(BaseCommand):
    help = "Create the demo vendor, municipalities, offices and accounts (idempotent)."

    def handle(self, *args, **opts):
        seed_demo(say=lambda m: self.stdout.write(m) if opts["verbosity"] else None)
