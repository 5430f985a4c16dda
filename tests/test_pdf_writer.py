"""pydyf with its page references kept and its streams at zlib level 6 (reporting.render.pdf_writer):
the same PDF as pydyf's own once the streams are decoded, and the same bytes from the references."""

from __future__ import annotations

import io
import zlib
from collections.abc import Iterator

import pikepdf
import pydyf
import pytest
from test_render import TITLE
from test_ua_stylesheet import CREATED, report

from reporting.render import pdf_writer
from reporting.render.burst import burst_document
from reporting.render.pdf import lay_out, pdf_bytes, pinned_dates


@pytest.fixture
def stock_pydyf() -> Iterator[None]:
    """pydyf as released for the test, our changes back afterwards (every other test uses them)."""
    pdf_writer.uninstall()
    try:
        yield
    finally:
        pdf_writer.install()


@pytest.fixture(scope="module")
def burst():
    """A burst of three team copies over several pages: every cell is a tagged structure element."""
    return lay_out(burst_document([report(40, "Team: CIN 1"), report(70, "Team: CIN 2"), report(25, "Team: FIT 1")]))


def write(document) -> bytes:
    # Dates pinned as the runner pins them: a variable font's static instance is saved by fontTools,
    # which stamps it with the clock unless SOURCE_DATE_EPOCH is set (two writes a second apart differ).
    with pinned_dates(CREATED) as created:
        return pdf_bytes(document, title=TITLE, pdf_variant="pdf/ua-1", created_w3c=created)


def normalised(pdf: bytes) -> bytes:
    """The PDF rewritten by qpdf with every stream decoded and no object streams: what a reader
    reads, without the compressed bytes and the offsets that follow from them."""
    out = io.BytesIO()
    with pikepdf.open(io.BytesIO(pdf)) as document:
        document.save(out, qdf=True, static_id=True, compress_streams=False,
                      stream_decode_level=pikepdf.StreamDecodeLevel.generalized,
                      object_stream_mode=pikepdf.ObjectStreamMode.disable)
    return out.getvalue()


def test_the_pdf_reads_the_same_as_pydyfs_own_and_its_streams_are_compressed_less(burst, stock_pydyf):
    stock = write(burst)
    pdf_writer.install()
    ours = write(burst)
    assert len(burst.pages) >= 4
    assert normalised(ours) == normalised(stock)
    assert ours != stock
    # level 6 against 9: a little larger, far from uncompressed
    assert len(stock) < len(ours) < 1.1 * len(stock)


def test_the_page_references_kept_give_the_same_bytes(burst, stock_pydyf):
    pydyf.zlib = pdf_writer._Zlib()  # only the references differ between the two
    stock = write(burst)
    pdf_writer.install()
    assert write(burst) == stock


def test_the_page_references_are_built_again_when_a_page_is_added():
    pdf = pydyf.PDF()
    for _ in range(3):
        pdf.add_page(pydyf.Dictionary({"Type": "/Page"}))
    first = pdf.page_references
    assert pdf.page_references is first  # kept, not built again for each reader
    pdf.add_page(pydyf.Dictionary({"Type": "/Page"}))
    assert len(pdf.page_references) == 4
    assert pdf.page_references == pdf_writer._STOCK_PAGE_REFERENCES.fget(pdf)


def test_streams_other_than_pydyfs_level_9_are_compressed_as_asked():
    shim = pdf_writer._Zlib()
    data = b"".join(b"%d 0 m %d 10 l S\n" % (i, i * 7 % 13) for i in range(2000))

    def deflated(module, level: int) -> bytes:
        compressor = module.compressobj(level=level)
        return compressor.compress(data) + compressor.flush()

    assert deflated(shim, 9) == deflated(zlib, 6) != deflated(zlib, 9)
    assert deflated(shim, 1) == deflated(zlib, 1)
    assert shim.compress(data) == zlib.compress(data)


def test_a_pydyf_whose_code_changed_is_reported_not_silently_patched(monkeypatch):
    monkeypatch.setattr(pydyf.Stream, "data", property(lambda self: b""))
    with pytest.raises(RuntimeError, match=r"Stream\.data.*pdf_writer\.py"):
        pdf_writer.install()
