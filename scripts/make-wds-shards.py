#!/usr/bin/env python3
"""Writes WebDataset tar shards with Python's tarfile (an independent tar writer), for scat's tests.

  make-wds-shards.py digits FOLDER OUTDIR SHARDS [pax|gnu]
      The images of FOLDER (class subfolders, as scat lists them: ordinal order of 'CLASS/NAME.png') as samples
      'CLASS/NAME.png' + 'CLASS/NAME.cls' (the class index as text), split in SHARDS contiguous shards
      OUTDIR/digits-000000.tar, ...
  make-wds-shards.py corrupt FOLDER OUTDIR
      OUTDIR/bad-000000.tar: good samples, a sample without image, a corrupt image, names with '..' and an absolute
      name, a long (pax) name; OUTDIR/bad-000001.tar: good samples (the test truncates a copy of it).
Prints one JSON line per shard: {"shard": ..., "members": [[name, offset_of_header, size], ...]}.
"""
import io, json, os, sys, tarfile


def listing(folder):
    classes = sorted(d for d in os.listdir(folder) if os.path.isdir(os.path.join(folder, d)))
    items = []
    for label, c in enumerate(classes):
        for name in sorted(os.listdir(os.path.join(folder, c))):
            if name.lower().endswith('.png'):
                items.append((c + '/' + name, os.path.join(folder, c, name), label))
    items.sort(key=lambda t: t[0].encode('utf-8'))
    return items


def add(tar, name, data):
    info = tarfile.TarInfo(name)
    info.size = len(data)
    info.mtime = 1700000000
    info.mode = 0o644
    tar.addfile(info, io.BytesIO(data))


def write(path, members, fmt):
    with tarfile.open(path, 'w', format=fmt) as tar:
        for name, data in members:
            add(tar, name, data)
    with tarfile.open(path, 'r') as tar:
        print(json.dumps({'shard': path, 'members': [[m.name, m.offset, m.size] for m in tar.getmembers()]}))


def sample(rel, full, label):
    key = rel[:-4]
    with open(full, 'rb') as f:
        return [(key + '.png', f.read()), (key + '.cls', str(label).encode())]


def main():
    mode, folder, out = sys.argv[1], sys.argv[2], sys.argv[3]
    os.makedirs(out, exist_ok=True)
    items = listing(folder)
    if mode == 'digits':
        shards = int(sys.argv[4])
        fmt = {'pax': tarfile.PAX_FORMAT, 'gnu': tarfile.GNU_FORMAT}[sys.argv[5] if len(sys.argv) > 5 else 'pax']
        per = -(-len(items) // shards)
        for s in range(shards):
            members = [m for it in items[s * per:(s + 1) * per] for m in sample(*it)]
            write(os.path.join(out, 'digits-%06d.tar' % s), members, fmt)
    elif mode == 'corrupt':
        good = [sample(*it) for it in items[:6]]
        with open(items[6][1], 'rb') as f:
            png = f.read()
        members = good[0] + good[1]
        members += [('noimage.cls', b'3'), ('noimage.json', b'{}')]
        members += [('broken.png', b'this is not a png'), ('broken.cls', b'4')]
        members += [('../escape.png', png), ('../escape.cls', b'5')]
        members += [('/abs/rooted.png', png), ('/abs/rooted.cls', b'6')]
        members += [('d' * 120 + '/long.png', png), ('d' * 120 + '/long.cls', b'7')]
        members += good[2]
        write(os.path.join(out, 'bad-000000.tar'), members, tarfile.PAX_FORMAT)
        write(os.path.join(out, 'bad-000001.tar'), [m for g in good[3:6] for m in g], tarfile.GNU_FORMAT)
    else:
        sys.exit('unknown mode ' + mode)


if __name__ == '__main__':
    main()
