"""gunicorn settings for the captive portal (``bluezone-portal serve`` and the systemd unit).

Why these values (figures in BENCHMARKS.md, measured on a 2-core machine):
- gthread workers: best balance of throughput and tail latency for plain HTTP here; gevent's
  p99 was an order of magnitude worse. Keep-alive is supported, which phones use.
- two workers, one per core: the hot paths (probe answers, the cached splash page) are
  CPU-bound Python; more processes than cores only add memory.
- preload_app: the app (templates, catalogs, campaign) is built once in the master and shared
  copy-on-write by the workers, which keeps the whole portal well under 100 MB.
- no control socket: gunicorn 25+ creates ~/.gunicorn/gunicorn.ctl by default, and two services
  running as one user (portal and signage) would fight over it.
"""

bind = "0.0.0.0:8080"  # `bluezone-portal serve --bind` overrides it
worker_class = "gthread"
workers = 2
threads = 8
preload_app = True
keepalive = 5
timeout = 30
graceful_timeout = 10
control_socket_disable = True
accesslog = None
errorlog = "-"
loglevel = "info"
proc_name = "bluezone-portal"
