#!/usr/bin/env python3
"""Run a command on a pseudo-terminal, as a person at a terminal would.

    pty_run.py [--answer TEXT]... -- COMMAND [ARGS...]

The command's terminal (stdin, stdout, stderr and /dev/tty) is the pty.
Each time the command shows a prompt (output ending in ": "), the next
--answer is typed with a newline. Everything the terminal showed is
printed on stdout; the exit status is the command's.
"""
import os
import pty
import select
import sys
import time


def main():
    args = sys.argv[1:]
    answers = []
    while args and args[0] == "--answer":
        answers.append(args[1])
        args = args[2:]
    if not args or args[0] != "--":
        sys.exit("usage: pty_run.py [--answer TEXT]... -- COMMAND [ARGS...]")
    args = args[1:]
    pid, fd = pty.fork()
    if pid == 0:
        os.execvp(args[0], args)
    shown = b""
    pending = b""
    deadline = time.time() + 30
    while time.time() < deadline:
        ready, _, _ = select.select([fd], [], [], 0.1)
        if not ready:
            continue
        try:
            chunk = os.read(fd, 4096)
        except OSError:
            break
        if not chunk:
            break
        shown += chunk
        pending += chunk
        if pending.rstrip(b" ").endswith(b":") and pending.endswith(b" ") and answers:
            time.sleep(0.05)  # let the program finish switching echo off
            os.write(fd, answers.pop(0).encode() + b"\n")
            pending = b""
    _, status = os.waitpid(pid, 0)
    sys.stdout.write(shown.decode(errors="replace"))
    sys.exit(os.waitstatus_to_exitcode(status))


if __name__ == "__main__":
    main()
