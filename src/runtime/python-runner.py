# Runs inside the function's own child process for the Python 3 runtime: imports the handler's module from
# the code package, calls `function(event, context)` and reports the outcome to the worker over fd 3, with the
# same protocol as node-runner.cjs. What the handler writes to sys.stdout and sys.stderr goes, framed with its
# stream, over fd 4 (see FramedStream). Standard library only, so nothing but the user's code is imported.
import importlib
import io
import json
import os
import resource
import signal
import struct
import sys
import threading
import time

CONTROL_FD = 3
OUTPUT_FD = 4
MAX_FRAME_BYTES = 64 * 1024

# The interpreter put this file's folder first on sys.path: user code must not import the platform's files.
if sys.path and os.path.abspath(sys.path[0]) == os.path.dirname(os.path.abspath(__file__)):
    del sys.path[0]


def write_fully(fd, data):
    view = memoryview(data)
    while view:
        written = os.write(fd, view)
        view = view[written:]


class FramedStream(io.RawIOBase):
    """Writes each chunk to fd 4 as one frame [1 byte stream: 1 stdout, 2 stderr][4 bytes length, BE][bytes].

    Both streams share one pipe and every write is synchronous, so the worker sees stdout and stderr lines in
    the exact order they were written, and a line printed before a crash or a kill is already in the pipe.
    Output that bypasses sys.stdout (a subprocess, os.write(1, ...)) still reaches the real fd 1 and 2.
    """

    def __init__(self, tag):
        super().__init__()
        self.tag = tag

    def writable(self):
        return True

    def write(self, data):
        data = bytes(data)
        for start in range(0, len(data), MAX_FRAME_BYTES):
            part = data[start : start + MAX_FRAME_BYTES]
            try:
                write_fully(OUTPUT_FD, struct.pack('>BI', self.tag, len(part)) + part)
            except BrokenPipeError:
                pass  # the worker is gone; the control pipe closing ends this process too
        return len(data)


def framed_text_stream(tag):
    # write_through: no buffer of our own, so print() is on the pipe when it returns.
    return io.TextIOWrapper(
        FramedStream(tag), encoding='utf-8', errors='backslashreplace', line_buffering=True, write_through=True
    )


answered = threading.Event()
answer_lock = threading.Lock()


def kill_own_group():
    try:
        os.killpg(os.getpgrp(), signal.SIGKILL)
    finally:
        os._exit(137)


def watch_control():
    """If the worker goes away (crash, kill -9), its end of fd 3 closes: take the whole process group down."""
    try:
        while os.read(CONTROL_FD, 4096):
            pass
    except OSError:
        pass
    if not answered.is_set():
        kill_own_group()


MAX_REPORT_BYTES = 64 * 1024


def report(message):
    """A report on fd 3 before the answer (the answer lock keeps it from interleaving with the answer)."""
    with answer_lock:
        if answered.is_set():
            return
        try:
            write_fully(CONTROL_FD, (json.dumps(message) + '\n').encode('utf-8'))
        except OSError:
            pass  # the worker is gone; the control watcher ends this process


def peak_rss_bytes():
    """This process's own peak resident memory. Not getrusage's ru_maxrss: Linux carries the forking
    worker's peak over exec into it, so it would report the worker's memory, not the function's."""
    try:
        with open('/proc/self/status') as status:
            for line in status:
                if line.startswith('VmHWM:'):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def answer(message):
    with answer_lock:
        if answered.is_set():
            return
        answered.set()
        message['maxRssBytes'] = peak_rss_bytes()
        try:
            line = json.dumps(message, allow_nan=False)
        except (TypeError, ValueError) as err:
            line = json.dumps({'kind': 'invalid-result', 'message': 'The return value is not JSON: %s' % err,
                               'maxRssBytes': message['maxRssBytes']})
        try:
            write_fully(CONTROL_FD, (line + '\n').encode('utf-8'))
        except OSError:
            kill_own_group()  # the worker is gone: nobody will ever read the answer
    # Like process.exit in the Node runtime: threads the handler left running do not keep the event alive.
    os._exit(0)


def error_message(err):
    import traceback  # only on errors: every import is paid on each cold start

    # The stack starts at the user's code: the runner's own frames say nothing about the error.
    frames = err.__traceback__
    while frames is not None and frames.tb_frame.f_code.co_filename == __file__:
        frames = frames.tb_next
    return {
        'kind': 'error',
        'errorType': type(err).__name__,
        'message': str(err),
        'stack': ''.join(traceback.format_exception(type(err), err, frames)),
    }


def read_invocation():
    received = b''
    while b'\n' not in received:
        chunk = os.read(CONTROL_FD, 1 << 16)
        if not chunk:
            kill_own_group()
        received += chunk
    return json.loads(received.split(b'\n', 1)[0])


class Context(dict):
    """SCF's context: a dict (so it prints and serialises as one) whose keys are also attributes."""

    def __init__(self, info):
        super().__init__(
            request_id=info['requestId'],
            function_name=info['functionName'],
            function_version=info['functionVersion'],
            namespace=info['namespace'],
            memory_limit_in_mb=info['memoryLimitInMb'],
            time_limit_in_ms=info['timeLimitInMs'],
        )
        self._deadline = time.monotonic() + info['timeLimitInMs'] / 1000
        # Beyond SCF: the last checkpoint an earlier attempt saved (None on a first attempt).
        self['checkpoint'] = info.get('checkpoint')

    def __getattr__(self, name):
        try:
            return self[name]
        except KeyError:
            raise AttributeError(name) from None

    def get_remaining_time_in_millis(self):
        return max(0, int((self._deadline - time.monotonic()) * 1000))

    def report_progress(self, value, message=''):
        """Progress from 0 to 100, shown in the event's status and the Temporal Web UI while it runs."""
        number = float(value)
        if not 0 <= number <= 100:
            raise ValueError('report_progress takes a number from 0 to 100')
        report({'kind': 'progress', 'value': number, 'message': str(message)[:1024]})

    def save_checkpoint(self, value):
        """Small JSON handed to the next attempt after a platform failure, so a long job can resume."""
        text = json.dumps(value, allow_nan=False)
        if len(text) > MAX_REPORT_BYTES:
            raise ValueError('A checkpoint is at most %d bytes of JSON' % MAX_REPORT_BYTES)
        report({'kind': 'checkpoint', 'value': json.loads(text)})


def find_handler(code_dir, handler):
    """`file.function`: file may sit in a sub folder (lib/index.main). Returns (function, None) or (None, why)."""
    file, _, name = handler.rpartition('.')
    candidates = [os.path.join(code_dir, file + '.py'), os.path.join(code_dir, file, '__init__.py')]
    if not any(os.path.isfile(candidate) for candidate in candidates):
        return None, 'The handler file "%s.py" is not in the code package' % file
    sys.path.insert(0, code_dir)
    module = importlib.import_module(file.replace('/', '.'))
    function = getattr(module, name, None)
    if not callable(function):
        return None, '"%s" does not define a function "%s"' % (file, name)
    return function, None


def run(invocation):
    function, missing = find_handler(invocation['codeDir'], invocation['handler'])
    if missing:
        return answer({'kind': 'handler-not-found', 'message': missing})
    result = function(invocation['event'], Context(invocation['context']))
    if hasattr(result, '__await__'):  # an `async def` handler: run it to completion
        import asyncio  # only when needed: it alone costs more to import than the rest of the runner

        result = asyncio.run(awaited(result))
    answer({'kind': 'result', 'result': result})


async def awaited(awaitable):
    return await awaitable


def main():
    os.set_blocking(CONTROL_FD, True)
    os.set_blocking(OUTPUT_FD, True)
    sys.stdout = framed_text_stream(1)
    sys.stderr = framed_text_stream(2)
    invocation = read_invocation()
    threading.Thread(target=watch_control, name='longhaul-control', daemon=True).start()
    try:
        run(invocation)
    except Exception as err:  # SystemExit and KeyboardInterrupt end the process, as they would anywhere
        answer(error_message(err))


main()
