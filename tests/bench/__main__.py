"""`make bench`: one JSON object per line per benchmark (name, value, unit, and where an issue
names a baseline, baseline and ratio). Measured, never asserted: compare runs by eye or tool."""

import datetime
import json
import os
import random
import sys
import time
from decimal import Decimal

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django  # noqa: E402

django.setup()

from certificates.render import CertificateData, render_certificate_pdf  # noqa: E402
from scoring.tabulation import CriterionSpec, MarkInput, tabulate  # noqa: E402


# Each benchmark's module is imported when it runs: worker processes spawned by one benchmark
# re-import this module, and should not carry the others' libraries (OR-Tools, say) in the
# memory they measure.
def _later(module: str, function: str):
    def run() -> None:
        import importlib

        getattr(importlib.import_module(module), function)(emit)

    return run


def emit(name: str, value: float | None, unit: str, **extra) -> None:
    value = None if value is None else round(value, 4)  # None: the benchmark could not run
    print(json.dumps({"name": name, "value": value, "unit": unit, **extra}), flush=True)


def bench_certificate_render(count: int = 40) -> None:
    data = CertificateData(
        theme="party",
        kind="prize",
        superior_body="ĐẢNG BỘ THÀNH PHỐ HÀ NỘI",
        issuing_body="ĐẢNG ỦY KHỐI CÁC CƠ QUAN THÀNH PHỐ",
        number="Số 12-GCN/ĐUK",
        title="GIẤY CHỨNG NHẬN",
        recipient_name="Nguyễn Thị Hằng Ngữ",
        recipient_unit="Đảng bộ cơ quan Sở Nội vụ",
        achievement="Đã đạt Giải Nhất",
        contest_name="Hội thi báo cáo viên giới thiệu mô hình “Dân vận khéo” năm 2019",
        entry_title="Dân vận khéo trong cải cách hành chính",
        place="Hà Nội",
        issued_on=datetime.date(2019, 10, 5),
        signing_on_behalf="T/M BAN THƯỜNG VỤ",
        signer_title="PHÓ BÍ THƯ",
        signer_name="Trần Văn Bình",
        verification_url="http://127.0.0.1:8000/verify/abcdefghijkl/",
        verification_code="abcdefghijkl",
    )
    render_certificate_pdf(data)  # fonts and stylesheet are loaded once per process
    started = time.perf_counter()
    for _ in range(count):
        render_certificate_pdf(data)
    per_certificate = (time.perf_counter() - started) / count
    emit(
        "certificate_render_one_pdf",
        per_certificate * 1000,
        "ms",
        certificates_per_second=round(1 / per_certificate, 1),
        count=count,
    )


def bench_tabulation(entries: int = 2000, judges: int = 9, criteria: int = 6) -> None:
    rng = random.Random(1)
    specs = [CriterionSpec(f"c{i}", Decimal(i + 1)) for i in range(criteria)]
    marks = [
        MarkInput(f"e{e}", f"j{j}", spec.key, Decimal(rng.randint(0, 40)) / 4)
        for e in range(entries)
        for j in range(judges)
        for spec in specs
    ]
    started = time.perf_counter()
    tabulate(marks, specs)
    emit("tabulate_weighted_mean_in_memory", time.perf_counter() - started, "s", marks=len(marks))


BENCHMARKS = {
    "tabulation": bench_tabulation,
    "round_recompute": _later("tests.bench.round_recompute", "bench_round_recompute"),
    "judges_load": _later("tests.bench.judges_load", "bench_judges_load"),
    "certificate_render": bench_certificate_render,
    "certificates_batched": _later("tests.bench.certificates_batch", "bench_certificates_batched"),
    "assignment": _later("tests.bench.assignment", "bench_assignment"),
    "public_results": _later("tests.bench.results_load", "bench_public_results"),
}

if __name__ == "__main__":
    # `make bench` runs them all; `make bench ONLY="round_recompute"` a chosen few.
    chosen = sys.argv[1:] or list(BENCHMARKS)
    unknown = sorted(set(chosen) - set(BENCHMARKS))
    if unknown:
        sys.exit(f"unknown benchmark(s) {', '.join(unknown)}; choose from {', '.join(BENCHMARKS)}")
    for name in chosen:
        BENCHMARKS[name]()
