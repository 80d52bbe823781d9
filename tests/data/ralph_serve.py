"""Ralph's LRS API for the tests (run with the Python of Ralph's own venv, see tests/ralph_lrs.py).

``python ralph_serve.py PORT`` serves ``ralph.api:app`` with uvicorn on 127.0.0.1 only, without the
reloader that ``ralph runserver`` starts (a test must be able to kill the one process that holds the port).
Ralph reads the rest of its configuration from ``RALPH_*`` environment variables.

One fix, made here and not in Ralph's installed files: Ralph 5.1's file-system LRS backend writes with its
data backend's default operation, CREATE, which refuses a file that exists, so every POST after the first
fails with a 500. It must append.
"""

import sys

import uvicorn
from ralph.backends.data.base import BaseOperationType
from ralph.backends.lrs.fs import FSLRSBackend

FSLRSBackend.default_operation_type = BaseOperationType.APPEND

if __name__ == "__main__":
    uvicorn.run("ralph.api:app", host="127.0.0.1", port=int(sys.argv[1]), log_level="warning", access_log=False)
