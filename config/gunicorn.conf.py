"""gunicorn's settings for Gongjian, from environment variables (documented in .env.example).

    .venv/bin/gunicorn -c config/gunicorn.conf.py        # what `make serve` and deploy/systemd run

Sync workers (one request at a time each) are the default: Django's ORM and the PDF/Excel code are
blocking, and processes use both cores without sharing a GIL. Threads (GUNICORN_THREADS > 1: the
gthread worker) let a worker wait on the database for one request while serving another; they cost
a database connection each. bench/load.py measures both on the machine at hand (docs/deployment.md).
"""

import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from config.env import env_bool, env_int, env_str, load_dotenv

load_dotenv(Path(__file__).resolve().parent.parent / ".env")

wsgi_app = "config.wsgi:application"
bind = env_str("GUNICORN_BIND", "127.0.0.1:8000").split(",")
# Processes: about 2 per core is the usual start; measure (python -m bench load) before changing.
workers = env_int("WEB_CONCURRENCY", 2 * (os.cpu_count() or 1))
threads = env_int("GUNICORN_THREADS", 1)
worker_class = "gthread" if threads > 1 else "sync"
# A request running longer than this is killed (its worker restarted). Long work belongs in tasks;
# big downloads are streamed by nginx's buffering, so 60 s is plenty for a request.
timeout = env_int("GUNICORN_TIMEOUT", 60)
graceful_timeout = env_int("GUNICORN_GRACEFUL_TIMEOUT", 30)
keepalive = env_int("GUNICORN_KEEPALIVE", 5)
# Restart a worker after this many requests (with jitter), bounding any slow memory growth.
max_requests = env_int("GUNICORN_MAX_REQUESTS", 2000)
max_requests_jitter = max_requests // 10
# The heartbeat file of each worker lives in memory, not on a (possibly slow) disk.
worker_tmp_dir = "/dev/shm" if Path("/dev/shm").is_dir() else None
# Proxies whose X-Forwarded-Proto gunicorn believes (comma-separated addresses; nginx on the same
# machine is 127.0.0.1). Django's own BEHIND_HTTPS_PROXY decides what Django believes.
forwarded_allow_ips = env_str("FORWARDED_ALLOW_IPS", "127.0.0.1,::1")
# The app logs one line per request with its request id (logger gongjian.request); gunicorn's
# access log would repeat it. GUNICORN_ACCESS_LOG=1 turns it on (to standard output).
accesslog = "-" if env_bool("GUNICORN_ACCESS_LOG", default=False) else None
errorlog = "-"
loglevel = env_str("GUNICORN_LOG_LEVEL", "info")
proc_name = "gongjian"
# gunicorn's control socket (gunicornc) defaults to one path per user, which several gunicorns on
# one machine (app nodes on two ports, the load benchmark) would fight over; off unless asked for.
control_socket_disable = not env_bool("GUNICORN_CONTROL_SOCKET", default=False)


def post_worker_init(worker):
    """Django is loaded: move everything it allocated at start (modules, settings, the
    middleware) out of the garbage collector's sight, so that the full collections a busy worker
    runs every few hundred requests no longer walk those objects again (a full collection took
    300 ms or more on a worker of this project, bench/README.md "What a request costs").
    A request allocates tens of thousands of short-lived objects (query rows, template nodes):
    a larger first generation collects them in one pass instead of dozens. Memory stays bounded:
    nothing here turns collection off."""
    import gc

    gc.collect()
    gc.freeze()
    gc.set_threshold(GC_THRESHOLD_YOUNG, 20, 100)


# Objects allocated (net) before a young collection; CPython's default is 700.
GC_THRESHOLD_YOUNG = env_int("GC_THRESHOLD_YOUNG", 50_000)
