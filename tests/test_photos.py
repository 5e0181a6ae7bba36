"""Photos as published: the right way up, sRGB, no metadata, in every width and format, and a
clear problem for anything that is not a readable image (generator/photos.py)."""
from __future__ import annotations

import io

import pytest
from PIL import Image, features

from generator import photos
from generator.photos import PhotoError, make, open_photo, plan, widths_for


def renditions(data: bytes, stem: str = "lead"):
    return make(data, plan(data, stem))

SERIAL = "SN-4242-SECRET"


def camera_jpeg(size=(800, 600), orientation=6) -> bytes:
    """A phone photo: left half red, right half blue as stored, with an orientation to apply, a
    GPS position, the camera's make and serial number, and an embedded colour profile."""
    image = Image.new("RGB", size, (220, 20, 20))
    image.paste((20, 20, 220), (size[0] // 2, 0, size[0], size[1]))
    exif = Image.Exif()
    exif[0x0112] = orientation                  # Orientation
    exif[0x010F] = "PhoneMaker"                 # Make
    exif[0xA431] = SERIAL                       # BodySerialNumber (in the Exif IFD)
    exif.get_ifd(0x8825).update({1: "N", 2: (28.0, 36.0, 50.0), 3: "E", 4: (77.0, 12.0, 30.0)})   # GPS
    from PIL import ImageCms
    icc = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif, icc_profile=icc, quality=90)
    return out.getvalue()


def test_a_phone_photo_is_turned_the_right_way_up_and_loses_its_metadata():
    data = camera_jpeg()
    assert b"PhoneMaker" in data and SERIAL.encode() in data     # (the source has them)
    image = open_photo(data)
    assert image.size == (600, 800)             # orientation 6: turned a quarter clockwise
    assert image.info == {}
    red, blue = image.getpixel((300, 20)), image.getpixel((300, 780))   # the left half is now on top
    assert red[0] > 180 and red[2] < 80 and blue[2] > 180 and blue[0] < 80
    made = renditions(data)
    assert made and {(r.width, r.height) for r in made} == {(320, 427), (600, 800)}
    for r in made:
        assert SERIAL.encode() not in r.data and b"PhoneMaker" not in r.data and b"Exif" not in r.data
        back = Image.open(io.BytesIO(r.data))
        assert not back.getexif() and "icc_profile" not in back.info and "exif" not in back.info
        assert back.size == (r.width, r.height)


def test_widths_are_never_upscaled_and_keep_the_shape():
    assert widths_for(4000) == [320, 640, 960, 1080, 1280, 1920]
    assert widths_for(1000) == [320, 640, 960, 1000]
    assert widths_for(200) == [200]
    made = renditions(camera_jpeg((1000, 500), orientation=1))
    assert sorted({(r.width, r.height) for r in made}) == [(320, 160), (640, 320), (960, 480), (1000, 500)]
    kinds = {r.format for r in made}
    assert kinds == ({"avif", "webp", "jpeg"} if features.check("avif") else {"webp", "jpeg"})
    for r in made:
        assert Image.open(io.BytesIO(r.data)).format == {"jpeg": "JPEG", "webp": "WEBP", "avif": "AVIF"}[r.format]


def test_transparency_falls_back_to_png_and_stays_transparent():
    image = Image.new("RGBA", (400, 300), (0, 0, 0, 0))
    image.paste((10, 200, 10, 255), (0, 0, 200, 300))
    out = io.BytesIO()
    image.save(out, "PNG")
    made = renditions(out.getvalue())
    fallback = [r for r in made if r.format == "png"]
    assert fallback and not [r for r in made if r.format == "jpeg"]
    back = Image.open(io.BytesIO(fallback[-1].data)).convert("RGBA")
    assert back.getpixel((390, 10))[3] == 0 and back.getpixel((10, 10))[3] == 255


def test_cmyk_is_converted_to_rgb():
    out = io.BytesIO()
    Image.new("CMYK", (100, 80), (0, 255, 255, 0)).save(out, "JPEG")    # red, in ink
    image = open_photo(out.getvalue())
    assert image.mode == "RGB"
    r, g, b = image.getpixel((50, 40))
    assert r > 180 and g < 80 and b < 80


def test_the_same_photo_makes_the_same_bytes_and_names_follow_source_and_recipe(monkeypatch):
    data = camera_jpeg()
    first, again = renditions(data), renditions(data)
    assert [r.data for r in first] == [r.data for r in again]     # a cached build equals a clean one
    names = [r.name for r in first]
    assert len(set(names)) == len(first) and names == [r.name for r in plan(data, "lead").renditions]
    assert all(n.startswith("lead-") and f"-{r.width}w." in n for n, r in zip(names, first))
    other = camera_jpeg(orientation=1)
    assert not set(names) & {r.name for r in plan(other, "lead").renditions}    # other bytes: other names
    monkeypatch.setitem(photos.OPTIONS, "webp", {**photos.OPTIONS["webp"], "quality": 60})
    photos.recipe_key.cache_clear()
    try:
        assert not set(names) & {r.name for r in plan(data, "lead").renditions}    # another recipe: other names
    finally:
        monkeypatch.undo()
        photos.recipe_key.cache_clear()


def test_a_plan_reads_the_header_only_and_the_making_finds_what_is_cut_short():
    data = camera_jpeg((1600, 1200))
    cut = data[:len(data) * 2 // 3]
    planned = plan(cut, "p")        # the header is whole: a plan, so that pages can be made meanwhile
    assert (planned.width, planned.height) == (1200, 1600)
    with pytest.raises(PhotoError, match="corrupt or cut short"):
        make(cut, planned)


@pytest.mark.parametrize("data, words", [
    (b"not an image at all", "is not an image"),
    (b"", "is not an image"),
    (camera_jpeg()[:2000], "corrupt or cut short"),
])
def test_what_cannot_be_read_is_a_problem_not_a_traceback(data, words):
    with pytest.raises(PhotoError, match=words):
        open_photo(data)


def test_a_decompression_bomb_is_refused(monkeypatch):
    out = io.BytesIO()
    Image.new("L", (3000, 3000)).save(out, "PNG")       # small on disk, 9 million pixels
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 1_000_000)
    with pytest.raises(PhotoError, match="too large"):
        open_photo(out.getvalue())
    with pytest.raises(PhotoError, match="too large"):
        plan(out.getvalue(), "bomb")      # from its header alone
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 4_000_000)     # over the limit but under twice it: a warning in Pillow
    with pytest.raises(PhotoError, match="too large"):
        open_photo(out.getvalue())


@pytest.mark.parametrize("orientation, shown", [(1, (4000, 3000)), (6, (3000, 4000))])
def test_a_camera_size_photo_is_made_at_exactly_the_planned_sizes(orientation, shown):
    """Decoded at a smaller scale (a JPEG's draft mode) and each width resized from the next one
    up: still the planned sizes, every one."""
    data = camera_jpeg((4000, 3000), orientation=orientation)
    planned = plan(data, "big")
    assert (planned.width, planned.height) == shown
    assert max(r.width for r in planned.renditions) == 1920
    for r in make(data, planned):
        assert Image.open(io.BytesIO(r.data)).size == (r.width, r.height)
        assert r.height == round(shown[1] * r.width / shown[0])


def test_a_pillow_without_avif_makes_webp_and_jpeg(monkeypatch):
    check = features.check
    monkeypatch.setattr(photos.features, "check", lambda name: False if name == "avif" else check(name))
    photos.recipe_key.cache_clear()
    try:
        data = camera_jpeg()
        made = make(data, plan(data, "lead"))
        assert {r.format for r in made} == {"webp", "jpeg"}
        assert all(Image.open(io.BytesIO(r.data)).format in ("WEBP", "JPEG") for r in made)
    finally:
        monkeypatch.undo()
        photos.recipe_key.cache_clear()


def test_a_photo_is_made_once_and_its_files_read_back_after(tmp_path, monkeypatch):
    data = camera_jpeg()
    planned = plan(data, "lead")
    encoded: list = []
    encode = photos._encode
    monkeypatch.setattr(photos, "_encode", lambda image, kind: encoded.append(kind) or encode(image, kind))
    first = photos.made_once(data, planned, tmp_path / "photos")
    assert len(encoded) == len(planned.renditions)
    assert sorted(p.name for p in (tmp_path / "photos").iterdir()) == sorted(r.name for r in planned.renditions)
    again = photos.made_once(data, planned, tmp_path / "photos")
    assert len(encoded) == len(planned.renditions)          # nothing made the second time
    assert again == first
    gone = planned.renditions[1].name
    (tmp_path / "photos" / gone).unlink()
    third = photos.made_once(data, planned, tmp_path / "photos")
    assert third == first and (tmp_path / "photos" / gone).read_bytes() == first[1].data   # made again, the same bytes


def test_a_cache_that_cannot_be_written_only_costs_time(tmp_path):
    data = camera_jpeg()
    (tmp_path / "photos").write_text("a file where the folder should be")
    made = photos.made_once(data, plan(data, "lead"), tmp_path / "photos")
    assert made == make(data, plan(data, "lead"))
