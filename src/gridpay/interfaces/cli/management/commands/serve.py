"""`gridpay serve`: the web application (API, channel notifications, admin) under gunicorn."""

import os
from argparse import ArgumentParser
from typing import Any

from django.core.management.base import CommandError
from django.core.servers.basehttp import get_internal_wsgi_application
from gunicorn.app.base import BaseApplication

from gridpay.interfaces.command import GridpayCommand, SystemChecks
from gridpay.interfaces.output import console


class GridpayServer(BaseApplication):  # type: ignore[misc]
    """gunicorn configured from arguments, serving gridpay's WSGI application."""

    def __init__(self, options: dict[str, Any]) -> None:
        self.options = options
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self) -> Any:
        # The project's WSGI application (settings.WSGI_APPLICATION), as any WSGI server would load it: settings are
        # already set up, since this process is a gridpay command.
        return get_internal_wsgi_application()


class Command(GridpayCommand):
    requires_system_checks: SystemChecks = "__all__"  # it serves: the configuration is checked before it starts
    # The schema is up to date before this runs (gridpay.interfaces.cli.schema): the embedded SQLite database
    # migrated by itself; on PostgreSQL `gridpay` refused, naming the migrations for the operator to apply.
    help = "运行 Web 服务（接口 /api/、渠道通知 /api/channels/…/notify、管理后台 /admin/）"

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--host", default="127.0.0.1", help="监听地址，默认 127.0.0.1；对外服务用 0.0.0.0")
        parser.add_argument("--port", type=int, default=8000, help="监听端口，默认 8000")
        workers = (os.cpu_count() or 1) + 1
        parser.add_argument("--workers", type=int, default=workers, help="工作进程数，默认 CPU 数 + 1")
        parser.add_argument("--threads", type=int, default=2, help="每个进程的线程数")
        parser.add_argument("--quiet", action="store_true", help="不打印每个请求")

    def handle(self, *args: Any, **options: Any) -> None:
        if not 0 < options["port"] < 65536:
            raise CommandError(f"端口应在 1–65535 之间：{options['port']}")
        if options["workers"] < 1 or options["threads"] < 1:
            raise CommandError("--workers 与 --threads 至少为 1")
        bind = f"{options['host']}:{options['port']}"
        console.print(f"gridpay 服务：http://{bind}/api/docs （Ctrl+C 停止）")
        GridpayServer({
            "bind": bind,
            "workers": options["workers"],
            "threads": options["threads"],
            "worker_class": "gthread",
            "accesslog": None if options["quiet"] else "-",
            "timeout": 60,
            "graceful_timeout": 10,
            # gunicorn 23+ opens a control socket in $HOME/.gunicorn by default: a server writes nothing into the home
            # folder of whoever starts it (the demo runs from a user's shell), and gridpay has no use for the socket.
            "control_socket_disable": True,
        }).run()
