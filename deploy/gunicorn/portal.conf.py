"""gunicorn settings for the captive portal (``bluezone-portal serve`` and the systemd unit).

Why these values (figures in BENCHMARKS.md, measured on a 2-core machine):
- gthread workers: best balance of throughput and tail latency for plain HTTP here; gevent's
  p99 was an order of magnitude worse. Keep-alive is supported, which phones use. sync
  workers cost the same CPU per request (130-150 us for a probe answer either way, most of
  it gunicorn's own request handling) but give up keep-alive and tie a worker to each client.
- gunicorn's C request parser (the gunicorn[fast] extra, picked up automatically) takes about
  a third off that: about 100 us per probe answer.
- two workers, one per core: the hot paths (probe answers, the cached splash page) are
  CPU-bound Python; a third worker did not lower the CPU per request, it only adds memory.
- eight threads: 1, 2, 4 and 8 threads measured the same; the spare threads cover clients
  that send their request slowly.
- preload_app: the app (templates, catalogs, campaign) is built once in the master and shared
  copy-on-write by the workers, which keeps the whole portal under 100 MB: about 85 MiB PSS
  for the master and two workers after load (their RSS summed is about 125 MiB, because it
  counts each shared page once per process).
- reuse_port: each worker gets its own listening socket and the kernel spreads connections
  evenly between them. With one shared socket, whichever worker woke first took most of a burst
  of kept-alive connections (46 of 64 measured), leaving one core busy and the other idle:
  req/s swung between 12k and 21k from run to run.
- no control socket: gunicorn 25+ creates ~/.gunicorn/gunicorn.ctl by default, and two services
  running as one user (portal and signage) would fight over it.
"""

bind = "0.0.0.0:8080"  # `bluezone-portal serve --bind` overrides it
worker_class = "gthread"
workers = 2
threads = 8
preload_app = True
reuse_port = True
keepalive = 5
timeout = 30
graceful_timeout = 10
control_socket_disable = True
accesslog = None
errorlog = "-"
loglevel = "info"
proc_name = "bluezone-portal"


def post_worker_init(worker: object) -> None:
    """Start the reporter in each worker when report_url is set (threads do not survive the
    fork from the preloaded master); the lease in the box's database lets only one send."""
    from portal import services

    reporter = services.reporter.find(getattr(worker, "wsgi", None))
    if reporter is not None:
        reporter.ensure_started()
