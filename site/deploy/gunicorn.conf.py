"""gunicorn settings for CMTP Learn. Everything can be changed from the environment (see env.example).

    gunicorn -c site/deploy/gunicorn.conf.py config.wsgi:application

2 sync workers is the default: measured on a 2-core machine, 4 workers were slower than 2 (see
docs/operations.md, "Scaling out"). A worker holds ~115 MB; size GUNICORN_WORKERS to cores and memory.
"""

import os

_json_logs = os.environ.get("LOG_FORMAT", "json") == "json"

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")  # or unix:/run/cmtp-learn/gunicorn.sock
workers = int(os.environ.get("GUNICORN_WORKERS", "2"))
worker_class = "sync"
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "60"))  # a 5 MB roster import or a PDF rendered on download
graceful_timeout = 30
keepalive = 5
# Recycle workers now and then, so that a slow leak never grows into an outage.
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", "2000"))
max_requests_jitter = max_requests // 10
# Only the local nginx may say which scheme the client used (Django also needs SECURE_PROXY_SSL_HEADER).
forwarded_allow_ips = os.environ.get("GUNICORN_FORWARDED_ALLOW_IPS", "127.0.0.1,::1")
proxy_allow_ips = forwarded_allow_ips
limit_request_line = 8190
control_socket_disable = True  # gunicorn 27+: systemd does the controlling (reload = HUP)
worker_tmp_dir = "/dev/shm" if os.path.isdir("/dev/shm") else None  # heartbeat files off disk

# Logs on stderr, collected by journald: one JSON object per line, like the application's own logs.
accesslog = "-"
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")
access_log_format = '%(h)s "%(r)s" %(s)s %(B)s %(M)sms "%(a)s"'
if _json_logs:
    logconfig_dict = {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"json": {"()": "config.logging.JsonFormatter"}},
        "handlers": {
            "console": {"class": "logging.StreamHandler", "formatter": "json", "stream": "ext://sys.stderr"},
        },
        "loggers": {
            "gunicorn.error": {"handlers": ["console"], "level": loglevel.upper(), "propagate": False},
            "gunicorn.access": {"handlers": ["console"], "level": "INFO", "propagate": False},
        },
    }
