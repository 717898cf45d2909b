"""The judges' tablets for the load benchmark, run in processes of their own so that the
client's CPU is bounded and measured apart from the server's.

Standard library only (no Django): `python -m tests.bench.judges_client` reads one JSON line of
setup on stdin (port, round, this process's judges with their login paths, the entries of each
phase), logs its judges in, prints {"ready": ...}, then runs one phase per command line it reads
and prints that phase's results as one JSON line:

- {"phase": "capacity", "start_at": t}: closed loop, every judge sends its writes back to back.
- {"phase": "latency", "start_at": t, "rate": r, "judges": n}: open loop, the n judges together
  send r requests per second, evenly paced from the first to the last (retries and stale
  attempts are requests too); each request's latency counts from its scheduled send time, so a
  slow server cannot hide its queue (no coordinated omission).

Every write is one POST /api/score-sheets/ with a fresh Idempotency-Key; a tenth are sent again
with the same key (the tablet missed the answer), and some are preceded by a stale If-Match.
"""

import asyncio
import json
import random
import secrets
import string
import sys
import time
import uuid

RETRY_SHARE = 0.1  # writes sent twice with the same key
STALE_SHARE = 0.05  # writes preceded by an attempt with a stale If-Match
CRITERIA = 4


def marks_for(judge: int, entry: int) -> dict[str, str]:
    """The marks judge number `judge` gives entry `entry` (0 to 10 in steps of 0.25): the driver
    computes them again to check what the database holds."""
    return {f"c{i}": str((judge * 7 + entry * 13 + i * 5) % 21 / 4 + 5) for i in range(CRITERIA)}


def lost_and_duplicated(
    sheets, events: dict[int, int], marks: dict[int, dict], judge_ids: list[int], entries
) -> dict[str, int]:
    """What the database holds against what the judges sent: `sheets` the submitted sheets as
    (id, judge id, entry id), `events` the audit events per sheet id, `marks` each sheet's
    {criterion code: Decimal}; judge number n of `judge_ids` sent `marks_for(n, entry)`.

    Lost: a judge × entry with no sheet, with no audit event or with other marks. Duplicated:
    every sheet past the first of a judge × entry and every audit event past a sheet's first."""
    from decimal import Decimal

    by_pair: dict[tuple[int, int], list[int]] = {}
    for sheet, judge, entry in sheets:
        by_pair.setdefault((judge, entry), []).append(sheet)
    lost = duplicated = 0
    for number, judge in enumerate(judge_ids):
        for entry in entries:
            found = by_pair.get((judge, entry), [])
            duplicated += max(0, len(found) - 1) + sum(
                max(0, events.get(sheet, 0) - 1) for sheet in found
            )
            sent = {code: Decimal(value) for code, value in marks_for(number, entry).items()}
            if not found or events.get(found[0], 0) == 0 or marks.get(found[0]) != sent:
                lost += 1
    return {"lost": lost, "duplicated": duplicated}


class Tablet:
    """One judge's tablet: one keep-alive connection (reopened when the server closes it), the
    session cookie and the CSRF token."""

    def __init__(self, port: int, judge: int, login_path: str):
        self.port, self.judge, self.login_path = port, judge, login_path
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None
        self.cookies: dict[str, str] = {}
        self.reconnects = 0

    async def log_in(self) -> None:
        await self.request("GET", self.login_path)
        await self.request("GET", "/judge/")  # the page sets the CSRF cookie
        if "csrftoken" not in self.cookies:  # any 32-character secret will do for Django
            alphabet = string.ascii_letters + string.digits
            self.cookies["csrftoken"] = "".join(secrets.choice(alphabet) for _ in range(32))
        if "sessionid" not in self.cookies:
            raise RuntimeError(f"judge {self.judge}: the login link opened no session")

    async def request(self, method: str, path: str, body: bytes = b"", headers=None) -> int:
        lines = [f"{method} {path} HTTP/1.1", f"Host: 127.0.0.1:{self.port}"]
        lines += [f"{name}: {value}" for name, value in (headers or {}).items()]
        if self.cookies:
            lines.append("Cookie: " + "; ".join(f"{k}={v}" for k, v in self.cookies.items()))
        if method == "POST":
            lines += [
                "Content-Type: application/json",
                f"X-CSRFToken: {self.cookies.get('csrftoken', '')}",
                f"Content-Length: {len(body)}",
            ]
        message = ("\r\n".join(lines) + "\r\n\r\n").encode() + body
        for attempt in range(3):
            if self.writer is None:
                self.reader, self.writer = await asyncio.open_connection("127.0.0.1", self.port)
            try:
                self.writer.write(message)
                return await self._response()
            except (ConnectionError, asyncio.IncompleteReadError):
                # The server closed an idle keep-alive connection before reading this request:
                # send it again on a new one (writes carry an Idempotency-Key, so this is safe).
                self._close()
                self.reconnects += 1
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")

    async def _response(self) -> int:
        status_line = await self.reader.readuntil(b"\r\n")
        if not status_line:
            raise ConnectionResetError
        status = int(status_line.split()[1])
        length, close = None, False
        while (line := await self.reader.readuntil(b"\r\n")) != b"\r\n":
            name, _, value = line.decode("latin-1").partition(":")
            name, value = name.strip().lower(), value.strip()
            if name == "content-length":
                length = int(value)
            elif name == "connection":
                close = value.lower() == "close"
            elif name == "set-cookie":
                cookie = value.split(";", 1)[0]
                key, _, cookie_value = cookie.partition("=")
                self.cookies[key.strip()] = cookie_value.strip()
        if length is not None:
            await self.reader.readexactly(length)
        else:
            await self.reader.read()
            close = True
        if close:
            self._close()
        return status

    def _close(self) -> None:
        if self.writer is not None:
            self.writer.close()
        self.reader = self.writer = None


def kinds_for(rng: random.Random, entry_count: int):
    """Per entry, the kinds of request a judge sends, in order: a stale attempt now and then,
    the write, and now and then the same write again. The only use of the judge's `rng`, so
    that every client process can count every judge's requests (open_loop_slots)."""
    for _ in range(entry_count):
        stale = rng.random() < STALE_SHARE  # a tablet that last saw another version of the sheet
        retry = rng.random() < RETRY_SHARE  # the answer was lost: the same write, the same key
        yield ("stale",) * stale + ("first",) + ("retry",) * retry


def attempts_for(judge: int, entries: list[int], round_id: int, rng: random.Random):
    """The requests a judge sends for these entries: (entry, kind, body, headers) in order."""
    for entry, kinds in zip(entries, kinds_for(rng, len(entries)), strict=True):
        body = json.dumps({"round": round_id, "entry": entry, "marks": marks_for(judge, entry)})
        key = uuid.uuid4().hex
        for kind in kinds:
            headers = {"Idempotency-Key": key}
            if kind == "stale":
                headers = {"Idempotency-Key": uuid.uuid4().hex, "If-Match": '"v99"'}
            yield entry, kind, body.encode(), headers


def judge_rng(seed: int, judge: int) -> random.Random:
    return random.Random(seed * 1000 + judge)


def open_loop_slots(judges: int, entry_count: int, seed: int) -> dict[int, list[int]]:
    """Judge -> the slot of each of its requests, slot i being due at i / rate: every judge's
    k-th request before anyone's (k + 1)-th, judges in turn, no slot empty. So the server gets
    exactly `rate` requests a second from the first to the last, though judges send different
    numbers of requests (retries and stale attempts)."""
    counts = {
        judge: sum(len(kinds) for kinds in kinds_for(judge_rng(seed, judge), entry_count))
        for judge in range(judges)
    }
    order = sorted((k, judge) for judge, count in counts.items() for k in range(count))
    slots: dict[int, list[int]] = {judge: [] for judge in counts}
    for slot, (_k, judge) in enumerate(order):
        slots[judge].append(slot)
    return slots


async def sleep_until(wall_time: float) -> None:
    await asyncio.sleep(max(0.0, wall_time - time.time()))


async def run_closed_loop(tablets, entries, round_id, start_at, seed) -> dict:
    results = []

    async def judge_loop(tablet: Tablet) -> None:
        rng = judge_rng(seed, tablet.judge)
        await sleep_until(start_at)
        for entry, kind, body, headers in attempts_for(tablet.judge, entries, round_id, rng):
            sent = time.time()
            status = await tablet.request("POST", "/api/score-sheets/", body, headers)
            done = time.time()
            results.append((tablet.judge, entry, kind, status, sent, done))

    await asyncio.gather(*(judge_loop(tablet) for tablet in tablets))
    return {"results": results}


async def run_open_loop(tablets, entries, round_id, start_at, rate, judges, seed) -> dict:
    """Request slot i (open_loop_slots) is due at start_at + i / rate: together one request
    every 1/rate seconds. A judge whose previous request is still out sends late, and the
    lateness counts in the latency."""
    results = []
    slots = open_loop_slots(judges, len(entries), seed)

    async def judge_loop(tablet: Tablet) -> None:
        rng = judge_rng(seed, tablet.judge)
        attempts = attempts_for(tablet.judge, entries, round_id, rng)
        for slot, (entry, kind, body, headers) in zip(slots[tablet.judge], attempts, strict=True):
            due = start_at + slot / rate
            await sleep_until(due)
            status = await tablet.request("POST", "/api/score-sheets/", body, headers)
            results.append((tablet.judge, entry, kind, status, due, time.time()))

    await asyncio.gather(*(judge_loop(tablet) for tablet in tablets))
    return {"results": results}


async def main() -> None:
    loop = asyncio.get_running_loop()
    read_line = lambda: loop.run_in_executor(None, sys.stdin.readline)  # noqa: E731
    setup = json.loads(await read_line())
    port, round_id = setup["port"], setup["round"]
    tablets = [Tablet(port, judge, path) for judge, path in setup["judges"]]
    limit = asyncio.Semaphore(10)

    async def log_in(tablet: Tablet) -> None:
        async with limit:
            await tablet.log_in()

    await asyncio.gather(*(log_in(tablet) for tablet in tablets))
    print(json.dumps({"ready": len(tablets)}), flush=True)
    while line := await read_line():
        command = json.loads(line)
        phase, entries = command["phase"], setup["entries"][command["phase"]]
        cpu = time.process_time()
        if phase == "capacity":
            result = await run_closed_loop(
                tablets, entries, round_id, command["start_at"], command["seed"]
            )
        else:
            result = await run_open_loop(
                tablets,
                entries,
                round_id,
                command["start_at"],
                command["rate"],
                command["judges"],
                command["seed"],
            )
        result["client_cpu_s"] = time.process_time() - cpu
        result["reconnects"] = sum(tablet.reconnects for tablet in tablets)
        print(json.dumps(result), flush=True)
    for tablet in tablets:
        tablet._close()


if __name__ == "__main__":
    asyncio.run(main())
