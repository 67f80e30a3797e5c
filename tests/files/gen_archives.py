#!/usr/bin/env python3
"""Generate the archive test set (tests/corpus/files/archive/) - our own files.

usage: tests/files/gen_archives.py [OUTDIR]

Small and fast (a few seconds): python3's zipfile/tarfile/gzip/bz2/lzma,
7z (p7zip-full) for 7z and the encrypted (PPAP-like) archives, lha
(jlha-utils) for lzh and gcab for cab; an archive whose tool is missing is
skipped.  The two zip bombs are written gzip-compressed (*.zip.gz, a few KB)
because the bombs themselves are ~1 MB each; the unit test unpacks them.
"""
import gzip, bz2, lzma, io, os, shutil, struct, subprocess, sys, tarfile, tempfile, zipfile, zlib

OUT = sys.argv[1] if len(sys.argv) > 1 else os.path.join(
    os.path.dirname(os.path.abspath(__file__)), '..', 'corpus', 'files', 'archive')
os.makedirs(OUT, exist_ok=True)
MB = 1 << 20
TEXT = 'こんにちは、世界。\n関所のテストです。\n'.encode('utf-8')
# a minimal ELF header: libmagic calls it an executable
ELF = b'\x7fELF\x02\x01\x01' + b'\0' * 9 + struct.pack('<HHI', 2, 0x3e, 1) + b'\0' * 40


def out(name):
    return os.path.join(OUT, name)


def put(name, data):
    with open(out(name), 'wb') as f:
        f.write(data)


def zip_bytes(members, flag_utf8=True):
    b = io.BytesIO()
    with zipfile.ZipFile(b, 'w', zipfile.ZIP_DEFLATED) as z:
        for n, d in members:
            z.writestr(n, d)
    return b.getvalue()


# 1. an ordinary zip with Japanese UTF-8 names (bit 11 set), an executable, a subfolder
put('plain.zip', zip_bytes([('報告書.txt', TEXT), ('sub/メモ.txt', b'memo\n'),
                            ('readme.txt', b'read me\n'), ('tool.exe', ELF)]))

# 2. CP932 names without the UTF-8 flag, as Japanese Windows writes them:
#    written with ASCII placeholders of the same length, then patched
names = {'AAAAAA.txt': '報告書.txt', 'BBBB/CCCCCC.txt': '資料/議事録.txt'}
data = zip_bytes([(k, TEXT) for k in names])
for k, v in names.items():
    raw = v.encode('cp932')
    assert len(raw) == len(k)
    data = data.replace(k.encode(), raw)
put('cp932.zip', data)
for i in zipfile.ZipFile(out('cp932.zip')).infolist():
    assert not i.flag_bits & 0x800

# 3. dangerous names (zip) and links (zip and tar), with one good member each
bad = ['../../../../tmp/evil.txt', '/etc/evil_abs.txt', '..\\..\\windows\\evil.txt',
       'C:/evil.txt', 'ok/../../evil2.txt', 'invoice\u202etxt.exe', 'CON', 'aux.txt',
       'a' * 300 + '.txt', 'tab\there.txt', 'file.txt:stream']
b = io.BytesIO()
with zipfile.ZipFile(b, 'w') as z:
    for n in bad:
        z.writestr(n, b'evil\n')
    zi = zipfile.ZipInfo('link-to-etc')
    zi.create_system = 3
    zi.external_attr = (0o120777 << 16)
    z.writestr(zi, '/etc/passwd')
    z.writestr('good.txt', b'good\n')
put('traversal.zip', b.getvalue())
b = io.BytesIO()
with tarfile.open(fileobj=b, mode='w', format=tarfile.PAX_FORMAT) as t:
    for n in ['../../../../tmp/evil.txt', '/etc/evil_abs.txt', 'good.txt', '日本語/文書.txt']:
        ti = tarfile.TarInfo(n)
        d = b'good\n' if n == 'good.txt' else TEXT
        ti.size = len(d)
        t.addfile(ti, io.BytesIO(d))
    for typ, n, target in [(tarfile.SYMTYPE, 'sym', '/etc/passwd'),
                           (tarfile.LNKTYPE, 'hard', 'good.txt'),
                           (tarfile.CHRTYPE, 'dev', ''), (tarfile.FIFOTYPE, 'fifo', '')]:
        ti = tarfile.TarInfo(n)
        ti.type = typ
        ti.linkname = target
        t.addfile(ti)
put('links.tar', b.getvalue())

# 4. compressed tars and single streams
b = io.BytesIO()
with tarfile.open(fileobj=b, mode='w', format=tarfile.PAX_FORMAT) as t:
    for n, d in [('docs/報告書.txt', TEXT), ('docs/readme.txt', b'read me\n')]:
        ti = tarfile.TarInfo(n)
        ti.size = len(d)
        t.addfile(ti, io.BytesIO(d))
tar = b.getvalue()
put('docs.tar.gz', gzip.compress(tar, mtime=0))
put('docs.tar.bz2', bz2.compress(tar))
put('docs.tar.xz', lzma.compress(tar))
g = io.BytesIO()
with gzip.GzipFile('memo.txt', 'wb', fileobj=g, mtime=0) as f:
    f.write(TEXT)
put('memo.txt.gz', g.getvalue())
put('memo.txt.bz2', bz2.compress(TEXT))
put('memo.txt.xz', lzma.compress(TEXT))

# 5. only things that cannot be kept; ASCII case duplicates; nesting
put('exe-only.zip', zip_bytes([('setup.exe', ELF), ('run.bat', ELF)]))
put('dup.zip', zip_bytes([('A.txt', b'one\n'), ('a.txt', b'two\n'), ('a.TXT', b'three\n')]))
inner = zip_bytes([('inner.txt', TEXT), ('evil.exe', ELF)])
put('nested.zip', zip_bytes([('inner.zip', inner), ('top.txt', b'top\n')]))
blob, name = b'innermost\n', 'inner.txt'
for i in range(64):
    blob = zip_bytes([(name, blob)])
    name = 'level%d.zip' % (63 - i)
put('deep-64.zip', blob)

# 6. bombs: 1 GiB of zeros deflated into one member; and the same deflated
#    data referenced by 1000 central-directory entries (overlap bomb)
co = zlib.compressobj(9, zlib.DEFLATED, -15)
zeros = b'\0' * (16 * MB)
parts, crc = [], 0
for _ in range(64):
    parts.append(co.compress(zeros))
    crc = zlib.crc32(zeros, crc)
parts.append(co.flush())
defl = b''.join(parts)
size = 64 * 16 * MB


def bomb(n):
    name = b'zeros.txt'
    lfh = struct.pack('<IHHHHHIIIHH', 0x04034b50, 20, 0, 8, 0, 0, crc, len(defl), size,
                      len(name), 0) + name
    cd = b''
    for i in range(n):
        cd += struct.pack('<IHHHHHHIIIHHHHHII', 0x02014b50, 20, 20, 0, 8, 0, 0, crc,
                          len(defl), size, len(name), 0, 0, 0, 0, 0, 0) + name
    eocd = struct.pack('<IHHHHIIH', 0x06054b50, 0, 0, n, n, len(cd), len(lfh) + len(defl), 0)
    return lfh + defl + cd + eocd


put('bomb-1g.zip.gz', gzip.compress(bomb(1), 9, mtime=0))
put('overlap-1000.zip.gz', gzip.compress(bomb(1000), 9, mtime=0))

# 7. with external tools: 7z, encrypted (PPAP) zip and 7z, lzh, cab
tmp = tempfile.mkdtemp()
try:
    os.makedirs(os.path.join(tmp, 'd'))
    with open(os.path.join(tmp, 'd', 'report.txt'), 'wb') as f:
        f.write(TEXT)
    with open(os.path.join(tmp, 'd', 'notes.txt'), 'wb') as f:
        f.write(b'notes\n')

    def run(argv, result):
        if shutil.which(argv[0]) is None:
            print('skipped %s (%s not installed)' % (result, argv[0]))
            return
        if os.path.exists(out(result)):
            os.unlink(out(result))
        subprocess.run(argv, cwd=os.path.join(tmp, 'd'), check=True,
                       stdout=subprocess.DEVNULL)
    run(['7z', 'a', '-bd', out('docs.7z'), 'report.txt', 'notes.txt'], 'docs.7z')
    run(['7z', 'a', '-bd', '-tzip', '-pinfected', out('ppap.zip'), 'report.txt'], 'ppap.zip')
    run(['7z', 'a', '-bd', '-pinfected', '-mhe=on', out('ppap-headers.7z'), 'report.txt'],
        'ppap-headers.7z')
    run(['7z', 'a', '-bd', '-pinfected', out('ppap-data.7z'), 'report.txt'], 'ppap-data.7z')
    run(['lha', 'a', out('docs.lzh'), 'report.txt', 'notes.txt'], 'docs.lzh')
    run(['gcab', '-c', '-z', out('docs.cab'), 'report.txt', 'notes.txt'], 'docs.cab')
finally:
    shutil.rmtree(tmp)
print('done:', OUT)
