#!/usr/bin/python3
"""Regenerate the image test samples (python3-pil): ./make.py in this folder.

Every file is made here from scratch; none comes from elsewhere.
"""
import io, struct, zipfile, zlib
from PIL import Image, ImageDraw, PngImagePlugin

def quadrants(w, h, mode="RGB"):
    """Four solid quadrants: red TL, green TR, blue BL, white BR."""
    im = Image.new(mode, (w, h))
    d = ImageDraw.Draw(im)
    cols = [(255, 0, 0), (0, 255, 0), (0, 0, 255), (255, 255, 255)]
    if mode == "RGBA":
        cols = [c + (255,) for c in cols]
    d.rectangle([0, 0, w // 2 - 1, h // 2 - 1], fill=cols[0])
    d.rectangle([w // 2, 0, w - 1, h // 2 - 1], fill=cols[1])
    d.rectangle([0, h // 2, w // 2 - 1, h - 1], fill=cols[2])
    d.rectangle([w // 2, h // 2, w - 1, h - 1], fill=cols[3])
    return im

def exif_bytes(orientation):
    ex = Image.Exif()
    ex[0x0112] = orientation          # Orientation
    ex[0x010F] = "SekishoCam"          # Make
    gps = {1: "N", 2: (35.0, 41.0, 22.0), 3: "E", 4: (139.0, 41.0, 30.0)}
    ex[0x8825] = gps                   # GPSInfo
    return ex.tobytes()

XMP = (b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
       b'<rdf:Description xmlns:dc="http://purl.org/dc/elements/1.1/" dc:creator="secret-author"/></rdf:RDF></x:xmpmeta>')

def zip_bytes():
    b = io.BytesIO()
    with zipfile.ZipFile(b, "w") as z:
        z.writestr("payload.js", "WScript.Echo('polyglot');\n")
    return b.getvalue()

def jpeg_with_everything():
    im = quadrants(64, 48)
    b = io.BytesIO()
    im.save(b, "JPEG", quality=95, exif=exif_bytes(6), icc_profile=b"\0" * 128 + b"fake-icc")
    data = b.getvalue()
    # a COM comment and an XMP APP1 right after SOI
    com = b"\xff\xfe" + struct.pack(">H", 2 + 14) + b"secret comment"
    xmp = b"http://ns.adobe.com/xap/1.0/\0" + XMP
    app1 = b"\xff\xe1" + struct.pack(">H", 2 + len(xmp)) + xmp
    data = data[:2] + com + app1 + data[2:]
    return data + zip_bytes()

def png_with_text():
    im = quadrants(32, 24, "RGBA")
    im.putpixel((0, 0), (10, 20, 30, 128))   # one half-transparent pixel
    info = PngImagePlugin.PngInfo()
    info.add_text("Comment", "secret tEXt")
    info.add_itxt("Author", "秘密の作者", lang="ja", tkey="作者")
    info.add_text("Software", "x" * 200, zip=True)
    b = io.BytesIO()
    im.save(b, "PNG", pnginfo=info)
    return b.getvalue() + b"TRAILING<script>alert(1)</script>"

def gif_animated():
    frames = []
    for c in [(255, 0, 0), (0, 255, 0), (0, 0, 255)]:
        frames.append(Image.new("RGB", (16, 16), c).convert("P"))
    b = io.BytesIO()
    frames[0].save(b, "GIF", save_all=True, append_images=frames[1:], duration=100, loop=0,
                   comment=b"gif comment")
    return b.getvalue()

def tiff_two_pages():
    p1 = quadrants(20, 10)
    p2 = Image.new("RGB", (8, 8), (1, 2, 3))
    b = io.BytesIO()
    p1.save(b, "TIFF", save_all=True, append_images=[p2], compression="tiff_deflate")
    return b.getvalue()

def webp(lossless, alpha):
    im = quadrants(24, 16, "RGBA" if alpha else "RGB")
    b = io.BytesIO()
    if lossless:
        im.save(b, "WEBP", lossless=True, exif=exif_bytes(1))
    else:
        im.save(b, "WEBP", quality=90, exif=exif_bytes(1))
    return b.getvalue()

def bmp():
    b = io.BytesIO()
    quadrants(12, 10).save(b, "BMP")
    return b.getvalue()

def png_chunk(t, data):
    return struct.pack(">I", len(data)) + t + data + struct.pack(">I", zlib.crc32(t + data) & 0xffffffff)

def png_bomb():
    """A 100000 x 100000 RGB PNG header with a few bytes of IDAT."""
    ihdr = struct.pack(">IIBBBBB", 100000, 100000, 8, 2, 0, 0, 0)
    idat = zlib.compress(b"\0" * 4096, 9)
    return b"\x89PNG\r\n\x1a\n" + png_chunk(b"IHDR", ihdr) + png_chunk(b"IDAT", idat) + png_chunk(b"IEND", b"")

def gif_bomb():
    """GIF87a logical screen 65535 x 65535, one tiny frame of the same size."""
    d = b"GIF87a" + struct.pack("<HHBBB", 65535, 65535, 0x80, 0, 0) + b"\0\0\0\xff\xff\xff"
    d += b"," + struct.pack("<HHHHB", 0, 0, 65535, 65535, 0) + b"\x02\x02\x44\x01\x00;"
    return d

files = {
    "exif_gps_zip.jpg": jpeg_with_everything(),
    "text_trailing.png": png_with_text(),
    "animated.gif": gif_animated(),
    "two_pages.tif": tiff_two_pages(),
    "lossy_exif.webp": webp(False, False),
    "lossless_alpha.webp": webp(True, True),
    "quadrants.bmp": bmp(),
    "bomb.png": png_bomb(),
    "bomb.gif": gif_bomb(),
}
for o in range(1, 9):
    b = io.BytesIO()
    quadrants(16, 8).save(b, "JPEG", quality=95, exif=exif_bytes(o))
    files["orient%d.jpg" % o] = b.getvalue()
files["truncated.jpg"] = files["exif_gps_zip.jpg"][:len(files["exif_gps_zip.jpg"]) - len(zip_bytes()) - 200]
files["truncated.png"] = files["text_trailing.png"][:150]
for name, data in files.items():
    with open(name, "wb") as f:
        f.write(data)
    print(name, len(data))
