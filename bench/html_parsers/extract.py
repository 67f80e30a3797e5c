#!/usr/bin/env python3
"""Test-data step for the HTML parser comparison.

Walks the shared mail corpus, extracts every text/html MIME part (transfer
encoding decoded, charset bytes kept as they are) to OUT/NNNN.html, a copy
transcoded to UTF-8 (MIME charset, else BOM, else <meta charset>, else UTF-8;
bad bytes become U+FFFD) to OUT/utf8/NNNN.html, and the hostile inputs to
OUT/hostile/*.html.  Identical parts are written once (by SHA-1).

usage: extract.py [--corpus DIR] [--out DIR]
"""
import argparse, email, email.policy, hashlib, mailbox, os, re, sys

SKIP_EXT = {'pem', 'pfx', 'key', 'jpg', 'png', 'pub', 'crt', 'p12', 'pdf', 'zip',
            'tiff', 'mp3', 'db', 'doc', 'rtf', 'tnef', 'bin', 'sec', 'json', 'xml',
            'out', 'tokens', 'cfg', 'list', 'sh', 'gpg', 'asc', 'sig', 'der', 'p7s',
            'p7m', 'openpgp-block', 'dat'}
RAW_HTML_EXT = {'html', 'htm', 'xhtml'}
HDR = re.compile(rb'^(From |[!-9;-~]+:)')


def looks_like_message(data):
    head = data.lstrip(b'\r\n')[:4096]
    return bool(HDR.match(head)) and re.search(rb'(?im)^(content-type|mime-version|from|subject|received|date):', head)


def html_parts(msg):
    for part in msg.walk():
        try:
            if part.get_content_type() != 'text/html':
                continue
            payload = part.get_payload(decode=True)
            charset = part.get_content_charset()
        except Exception:
            continue
        if payload:
            yield payload, charset


META = re.compile(rb'<meta[^>]+charset\s*=\s*["\']?([A-Za-z0-9_:.-]+)', re.I)


def to_utf8(data, charset):
    """What sekisho does before parsing: MIME charset, else BOM, else <meta>, else UTF-8."""
    boms = [(b'\xef\xbb\xbf', 'utf-8-sig'), (b'\xff\xfe\x00\x00', 'utf-32'),
            (b'\x00\x00\xfe\xff', 'utf-32'), (b'\xff\xfe', 'utf-16'), (b'\xfe\xff', 'utf-16')]
    if not charset:
        for bom, enc in boms:
            if data.startswith(bom):
                charset = enc
                break
    if not charset:
        m = META.search(data[:4096])
        charset = m.group(1).decode('ascii') if m else 'utf-8'
    try:
        return data.decode(charset, errors='replace').encode('utf-8'), charset
    except LookupError:
        return data.decode('utf-8', errors='replace').encode('utf-8'), 'utf-8(unknown %s)' % charset


def messages_in(path, data):
    if path.endswith('.mbox') or data.startswith(b'From ') and b'\nFrom ' in data:
        try:
            for m in mailbox.mbox(path, create=False):
                yield m
            return
        except Exception:
            pass
    yield email.message_from_bytes(data, policy=email.policy.compat32)


def hostile(out):
    d = os.path.join(out, 'hostile')
    os.makedirs(d, exist_ok=True)
    H = b'<html><head><meta charset="utf-8"></head><body>'
    cases = {
        'nested_div_100k': H + b'<div>' * 100000 + b'deep' + b'</div>' * 100000 + b'</body></html>',
        'unclosed_b_1m': H + b'<b>x' * 1000000 + b'</body></html>',
        'unclosed_b_20k': H + b'<b>x' * 20000,  # an 80 KB mail, cut off (no end tags)
        'nested_div_20k': H + b'<div>' * 20000 + b'deep' + b'</div>' * 20000 + b'</body></html>',
        'many_attrs_10k': H + b'<div ' + b''.join(b'a%d="v%d" ' % (i, i) for i in range(10000)) + b'>x</div></body></html>',
        'text_node_20mb': H + b'<p>' + (b'lorem ipsum ' * (20 * 1024 * 1024 // 12)) + b'</p></body></html>',
        'many_attrs_100k': H + b'<div ' + b''.join(b'a%d="v%d" ' % (i, i) for i in range(100000)) + b'>x</div></body></html>',
        'nul_bytes': H + b'<p>be\x00fore</p>' + b'\x00' * 1000 + b'<a hr\x00ef="x">li\x00nk</a><scr\x00ipt>x</script></body></html>',
        'unclosed_comment': H + b'<p>visible</p><!-- never closed ' + b'<p>hidden?</p>' * 100000,
        'unclosed_script': H + b'<p>visible</p><script>var x = "' + b'<p>not html</p>' * 100000,
        'invalid_utf8': H + b'<p>ok \xc3\xa9 bad \xc3\x28 \xa0\xa1 \xe2\x28\xa1 \xf0\x28\x8c\xbc over\xc0\xaf long \xed\xa0\x80 surrogate \xff\xfe</p></body></html>',
        'nested_table_10k': H + b'<table><tr><td>' * 10000 + b'cell' + b'</body></html>',
        'entity_flood': H + b'<p>' + b'&nbsp;&amp;&#x41;&#65;&bogus;&#xFFFFFFFF;&#0;' * 200000 + b'</p></body></html>',
        'mso_conditional': (b'<html xmlns:o="urn:schemas-microsoft-com:office:office"><head>'
                            b'<meta http-equiv="Content-Type" content="text/html; charset=windows-1252">'
                            b'<!--[if gte mso 9]><xml><o:OfficeDocumentSettings><o:AllowPNG/></o:OfficeDocumentSettings></xml><![endif]-->'
                            b'<style><!-- p.MsoNormal {margin:0} --></style></head><body>'
                            b'<p class=MsoNormal>Caf\xe9 caf&eacute;&nbsp;X<o:p></o:p></p>'
                            b'<!--[if !mso]><!--><p>non-mso only</p><!--<![endif]-->'
                            b'<![if !supportLists]><span>1.</span><![endif]>'
                            b'<p>line1<br>line2<br/>line3</p><custom-tag>unknown tag text</custom-tag>'
                            b'<blink>blink</blink><table><tr><td>a</td><td>b</td></tr></table>'
                            b'</body></html>'),
    }
    for name, data in cases.items():
        with open(os.path.join(d, name + '.html'), 'wb') as f:
            f.write(data)
    return len(cases)


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    ap = argparse.ArgumentParser()
    ap.add_argument('--corpus', default=os.path.normpath(os.path.join(here, '../../../shared/corpus')))
    ap.add_argument('--out', default='/tmp/htmlparts')
    a = ap.parse_args()
    os.makedirs(os.path.join(a.out, 'utf8'), exist_ok=True)
    for d in (a.out, os.path.join(a.out, 'utf8')):
        for f in os.listdir(d):
            if f.endswith('.html'):
                os.unlink(os.path.join(d, f))
    seen = {}
    nmsg = nparts = 0
    manifest = []
    for root in ('mime', 'bench/msgs'):
        for dp, dn, fn in sorted(os.walk(os.path.join(a.corpus, root))):
            dn.sort()
            for name in sorted(fn):
                path = os.path.join(dp, name)
                ext = name.rsplit('.', 1)[-1].lower() if '.' in name else ''
                if ext in SKIP_EXT:
                    continue
                try:
                    data = open(path, 'rb').read()
                except OSError:
                    continue
                blobs = []
                if ext in RAW_HTML_EXT and not looks_like_message(data):
                    blobs.append((data, None))
                elif looks_like_message(data):
                    try:
                        for m in messages_in(path, data):
                            nmsg += 1
                            blobs.extend(html_parts(m))
                    except Exception as e:
                        print('skip %s: %s' % (path, e), file=sys.stderr)
                for b, cs in blobs:
                    nparts += 1
                    h = hashlib.sha1(b).hexdigest()
                    if h in seen:
                        continue
                    seen[h] = len(seen)
                    fn_out = '%04d.html' % seen[h]
                    with open(os.path.join(a.out, fn_out), 'wb') as f:
                        f.write(b)
                    u, used = to_utf8(b, cs)
                    with open(os.path.join(a.out, 'utf8', fn_out), 'wb') as f:
                        f.write(u)
                    manifest.append('%s\t%d\t%s\t%s' % (fn_out, len(b), used, os.path.relpath(path, a.corpus)))
    with open(os.path.join(a.out, 'MANIFEST.tsv'), 'w') as f:
        f.write('\n'.join(manifest) + '\n')
    nh = hostile(a.out)
    total = sum(len(open(os.path.join(a.out, m.split('\t')[0]), 'rb').read()) for m in manifest)
    print('messages parsed: %d, text/html parts: %d, unique written: %d (%.1f MB), hostile: %d'
          % (nmsg, nparts, len(seen), total / 1e6, nh))


if __name__ == '__main__':
    main()
