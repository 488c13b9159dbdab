"""How long the evidence tools take: attaching files (with thumbnails), the evidence pack as a
page and as a PDF, and an export that carries attached files.

    python bench/evidence.py [--activities 300] [--runs 15]

Builds two years of a busy apprentice's log (300 activities with KSB links and descriptions) in
a temporary folder and drives the real app through Flask's test client (routing, CSRF,
multipart parsing, the file store, the transaction, history and events included), printing the
median and 95th percentile of each operation. Baselines in the same run: attaching a 1 KB text
file (the fixed cost of an upload: transaction, version, history) against a 12-megapixel
phone photo and a PDF; and the pack page against its PDF.
"""

from __future__ import annotations

import argparse
import io
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from PIL import Image

from otj_desktop.domain.activities import ActivityInput
from otj_desktop.standards.catalogue import list_catalogue, load_catalogue_standard
from otj_desktop.store import activities as activity_store
from otj_desktop.store import profile as profile_store
from otj_desktop.store import standards as standard_store
from otj_desktop.store.thumbnails import make_thumbnail
from otj_desktop.web import create_app
from otj_desktop.web.security import launch_path


def report(label: str, samples: list[float], unit: str = "ms") -> None:
    samples = sorted(samples)
    p95 = samples[min(len(samples) - 1, round(0.95 * (len(samples) - 1)))]
    print(f"{label:<52} median {statistics.median(samples):8.1f} {unit}   p95 {p95:8.1f} {unit}")


def timed(label: str, runs: int, action: Callable[[int], object]) -> None:
    samples = []
    for n in range(runs):
        started = time.perf_counter()
        action(n)
        samples.append((time.perf_counter() - started) * 1000)
    report(label, samples)


def photo(width: int = 4000, height: int = 3000) -> bytes:
    """A phone-like photo: smooth gradients plus sensor noise, JPEG quality 90."""
    base = Image.linear_gradient("L").resize((width, height)).convert("RGB")
    noise = Image.effect_noise((width, height), 24).convert("RGB")
    buffer = io.BytesIO()
    Image.blend(base, noise, 0.35).save(buffer, "JPEG", quality=90)
    return buffer.getvalue()


def pdf_document(pages: int = 12) -> bytes:
    """A scanned certificate or course handout: pages of text, each with a photo."""
    from fpdf import FPDF

    doc = FPDF()
    doc.set_font("helvetica", size=11)
    for n in range(pages):
        doc.add_page()
        doc.image(io.BytesIO(photo(1200, 900)), w=150)
        doc.multi_cell(0, 6, f"Page {n}. " + "Some course notes about widgets. " * 40)
    return bytes(doc.output())


def fill(app, count: int) -> None:
    db = app.extensions["otj"].db
    with db.transaction() as tx:
        key = list_catalogue()[0].key
        standard_id = standard_store.add(tx, load_catalogue_standard(key)).standard_id
        profile_store.set_standard(tx, standard_id)
    with db.connection() as conn:
        ksb_ids = [k.id for k in standard_store.ksbs(conn, standard_id)]
    rng = random.Random(8)
    with db.transaction() as tx:
        for i in range(count):
            activity_store.create(
                tx,
                ActivityInput(
                    title=f"Activity {i}: workshop on topic {i % 40}",
                    activity_date=date(2024, 9, 2) + timedelta(days=i * 730 // count),
                    duration_minutes=15 * rng.randint(2, 16),
                    activity_type="workshop",
                    description="What I learned and how I applied it at work. " * rng.randint(1, 6),
                    ksb_ids=tuple(rng.sample(ksb_ids, 3)),
                ),
            )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--activities", type=int, default=300)
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        app = create_app({"DATA_DIR": Path(tmp) / "data", "TESTING": True})
        fill(app, args.activities)
        client = app.test_client()
        client.get(launch_path(app.extensions["otj"].launch_tokens))
        page = client.get("/activities").get_data(as_text=True)
        token = page.split('name="csrf-token" content="', 1)[1].split('"', 1)[0]
        jpeg, pdf = photo(), pdf_document()
        print(
            f"{args.activities} activities; photo {len(jpeg) / 1e6:.1f} MB (12 MP JPEG), "
            f"PDF {len(pdf) / 1e6:.1f} MB\n"
        )

        def upload(name: str, data: bytes) -> Callable[[int], object]:
            def action(n: int) -> None:
                unique = data + str(n).encode()  # new contents each time: no de-duplication
                response = client.post(
                    f"/activities/{1 + n % args.activities}/attachments",
                    data={"csrf_token": token, "files": [(io.BytesIO(unique), name)]},
                    content_type="multipart/form-data",
                )
                assert response.status_code == 302, response.status_code

            return action

        timed("attach a 1 KB text file (baseline)", args.runs, upload("n.txt", b"note " * 200))
        timed("attach a 12 MP photo (checks, store, thumbnail)", args.runs, upload("p.jpg", jpeg))
        timed("attach a 12-page PDF with photos", args.runs, upload("c.pdf", pdf))
        with tempfile.TemporaryDirectory() as scratch:
            source = Path(scratch) / "photo.jpg"
            source.write_bytes(jpeg)
            timed(
                "thumbnail of the 12 MP photo alone",
                args.runs,
                lambda n: make_thumbnail(source, Path(scratch) / f"t{n}.webp"),
            )

        def get(path: str, **query: str) -> Callable[[int], object]:
            def action(_n: int) -> None:
                response = client.get(path, query_string=query)
                assert response.status_code == 200, response.status_code

            return action

        timed("evidence pack page (all KSBs, descriptions)", args.runs, get("/evidence-pack"))
        timed("evidence pack PDF (all KSBs, descriptions)", args.runs, get("/evidence-pack.pdf"))
        timed(
            "evidence pack PDF (titles and hours only)",
            args.runs,
            get("/evidence-pack.pdf", descriptions="0"),
        )
        pages = client.get("/evidence-pack.pdf").data
        from pypdf import PdfReader

        count = len(PdfReader(io.BytesIO(pages)).pages)
        print(f"{'':<52} (the PDF: {count} pages, {len(pages) / 1e6:.2f} MB)")
        exported = client.get("/data/export").data
        print(f"{'':<52} (export: {len(exported) / 1e6:.1f} MB zip with the attached files)")
        timed("export everything, attached files included", 3, get("/data/export"))


if __name__ == "__main__":
    main()
