"""WeasyPrint (the executives' PDF report) turns on Pillow's process-wide LOAD_TRUNCATED_IMAGES when
it is imported; a server process that has printed a report must still refuse truncated photos."""

from PIL import ImageFile

from oversight import report


def test_printing_a_report_leaves_truncated_images_refused():
    assert report._weasyprint().HTML is not None
    assert ImageFile.LOAD_TRUNCATED_IMAGES is False
