#!/usr/bin/env python3
"""Charge a `perf script` dump of `smime bench protect` to the protect stage's steps (issue 17, target 3).

Usage:
    DOTNET_PerfMapEnabled=1 DOTNET_EnableWriteXorExecute=0 perf record -e cpu-clock -F 999 -g -D 22000 -o perf.data -- \
        taskset -c 0 dotnet smime.dll bench protect --message standard --key rsa2048 --seconds 30 --warmup 15
    perf script -i perf.data > perf.txt
    python3 scripts/profile-protect-charge.py perf.txt [OWN_US]

Only the bench thread's samples of the throughput phase count (they end where the first sample of the crypto floor's
own measurement appears). A sample is the crypto floor's when its leaf is in libcrypto or a frame near the leaf is one
of the calls the floor makes (.NET's AES, RSA, SHA-256 and random wrappers); every other sample is own work, charged to
the first step whose method is on its stack. libcrypto has no frame pointers: samples whose leaf is in libc or the
kernel and whose stack ends there are mostly OpenSSL's (getpid in its random generator, strcmp in its parameter
lookups; a DWARF profile shows the callers) and are listed apart as "unattributed". OWN_US (default 85) scales the
shares to microseconds per mail: a scale, not a second measurement.
"""
import collections
import re
import sys
text = open(sys.argv[1]).read().split('\n\n')
own_us = float(sys.argv[2]) if len(sys.argv) > 2 else 85.0
FLOOR = ('ContentEncryptionAlgorithm::Encrypt', 'RSAOpenSsl::TryEncrypt', 'CmsSignerKey::Sign', 'DigestAlgorithm::Hash',
         'RSAOpenSsl::TrySignHash', 'RSAOpenSsl::SignHash', 'CryptoNative_', 'RandomNumberGenerator')
STEPS = [
 ('compose: MimeKit MimeMessage, headers, addresses', ('MimeComposer::',)),
 ('dispose the composed message', ('MimeMessage::Dispose',)),
 ('canonical body: quoted-printable text parts', ('WriteTextPart', 'WriteTextBodies')),
 ('canonical body: base64 of the attachment, part headers', ('ProtectEmailBody::', 'MimeCanonicalizer::WriteCanonical')),
 ('"From " armoring scan', ('ArmorFromLines',)),
 ('certificate lookup and checks', ('GetSignerKey', 'GetEncryptionCertificates', 'FindSenderEncryption', 'CertificateRules', 'ValidatedCertificateStore')),
 ('SignedData structure (attributes, DER)', ('CmsSignedDataWriter::',)),
 ('multipart/signed entity (copy of the content, signature base64)', ('WriteMultipartSigned', 'SmimeEntityWriter::WriteMultipartSigned')),
 ('EnvelopedData structure, RecipientInfos', ('CmsEnvelopedDataWriter::', 'KeyTransportRecipient', 'CmsRecipientInfos')),
 ('output array: allocation (GC) of 78 KB', ('AllocateUninitializedArray',)),
 ('output: base64 lines of the EnvelopedData', ('CreatePkcs7MimeMessage', 'Base64Lines')),
 ('outer headers', ('OuterHeaderWriter',)),
 ('pooled buffers: clear on return, grow', ('PooledMemoryStream::Dispose', 'PooledMemoryStream::EnsureCapacity', 'ZeroMemory')),
 ('protector glue: sender, recipients, policy, lists, activities', ('SmimeProtector::', 'HeaderRules', 'ProtectEmailBody::CheckHeaders')),
]
def name(l):
    m = re.search(r'\] ([\w.`+<>|]+::[\w`<>|.]+)', l)
    return m.group(1) if m else None
n = 0; floor = 0; own = collections.Counter(); leaf = collections.defaultdict(collections.Counter)
for block in text:
    lines = [l.strip() for l in block.split('\n') if l.strip()]
    if len(lines) < 2 or not lines[0].startswith('bench-0'): continue
    if 'CryptoFloor' in block: break
    n += 1
    fr = lines[1:]
    names = [x for x in (name(l) for l in fr) if x]
    if 'libcrypto' in fr[0] or any(any(f in x for f in FLOOR) for x in names[:6]):
        floor += 1
        continue
    mod = 'managed' if 'perf-' in fr[0] else 'runtime (GC, allocation)' if 'coreclr' in fr[0] else 'libc (memcpy/memset)' if 'libc.so' in fr[0] else 'kernel' if 'kallsyms' in fr[0] else 'other'
    step = None
    for label, keys in STEPS:
        if any(any(k in x for k in keys) for x in names):
            step = label; break
    if step is None:
        step = 'between steps (stack ends in the bench loop): GC and allocation' if mod.startswith('runtime') else 'unattributed: ' + mod
    own[step] += 1; leaf[step][mod] += 1
tot_own = sum(own.values())
print(f"throughput-phase samples {n}; floor operations {floor} ({floor/n*100:.1f} %); own work {tot_own} ({tot_own/n*100:.1f} %); own/floor by samples {tot_own/floor:.3f}")
print(f"| step | share of own work | ≈ µs at {own_us:.0f} µs | where the samples end |")
print("|---|---|---|---|")
for k, v in own.most_common():
    top = ', '.join(f"{m} {c/v*100:.0f} %" for m, c in leaf[k].most_common(3))
    print(f"| {k} | {v/tot_own*100:.1f} % | {v/tot_own*own_us:.1f} | {top} |")
