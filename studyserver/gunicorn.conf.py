"""gunicorn settings (the docker image's web role and the load benchmark use this file):

    gunicorn -c studyserver/gunicorn.conf.py studyserver.wsgi:application

``keepalive`` must outlast the gaps a page leaves between requests on one connection: the video
page reports progress every ``studies.steps.video.REPORT_EVERY_S`` seconds (10; it was 2 s, and
with gunicorn's default keep-alive of 2 s the server closed idle connections just as the next
report was sent on them: about 12 % of reports died with connection errors). 75 s also outlasts the usual 60 s idle timeout of a load balancer
in front, so the proxy, not gunicorn, closes idle connections. Threads (gthread) keep idle
connections in a selector, not in a thread.
"""

import os

bind = os.environ.get("GUNICORN_BIND", "0.0.0.0:8000")
workers = int(os.environ.get("GUNICORN_WORKERS", "3"))
worker_class = "gthread"
threads = int(os.environ.get("GUNICORN_THREADS", "4"))
worker_connections = int(os.environ.get("GUNICORN_WORKER_CONNECTIONS", "2000"))
keepalive = int(os.environ.get("GUNICORN_KEEPALIVE", "75"))
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "60"))
accesslog = os.environ.get("GUNICORN_ACCESS_LOG", "-") or None
forwarded_allow_ips = os.environ.get("GUNICORN_FORWARDED_ALLOW_IPS", "*")
