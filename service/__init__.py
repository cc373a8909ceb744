"""docproc service: HTTP API, RQ queue and workers, encrypted storage.

Layout (the one-screen view of an upload):

``api`` streams the upload (cap and type checked while reading), ``storage`` writes it
encrypted and fsynced, ``db`` records the file and its job in one transaction, ``queue``
pushes the job id to RQ. A ``runner`` worker claims the job in the database, runs
``docproc.pipeline.extract`` over all files of the dossier and stores the result. The
``reconciler`` (inside every worker) re-enqueues jobs that Redis lost or a dead worker
abandoned: the database, not Redis, is the source of truth.
"""
