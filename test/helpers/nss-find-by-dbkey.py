"""Look a certificate up in an NSS database by a Thunderbird dbKey, the way Gecko's FindCertByDBKey does.

Usage: python3 nss-find-by-dbkey.py sql:<dir> <dbKey>
Prints "FOUND <base64 of the certificate's TBSCertificate>" or "NOT FOUND".

Gecko splits the dbKey into the serial and the issuer and calls CERT_FindCertByIssuerAndSN; so does this,
through ctypes against the system's libnss3, so NSS itself decides whether the key names a certificate.
"""
import base64
import ctypes
import struct
import sys


class SECItem(ctypes.Structure):
    _fields_ = [('type', ctypes.c_int), ('data', ctypes.c_void_p), ('len', ctypes.c_uint)]


class CERTName(ctypes.Structure):
    _fields_ = [('arena', ctypes.c_void_p), ('rdns', ctypes.c_void_p)]


class CERTIssuerAndSN(ctypes.Structure):
    _fields_ = [('derIssuer', SECItem), ('issuer', CERTName), ('serialNumber', SECItem)]


class CERTCertificateHead(ctypes.Structure):
    # The first fields of CERTCertificate: signatureWrap.data is the TBSCertificate.
    _fields_ = [('arena', ctypes.c_void_p), ('subjectName', ctypes.c_char_p), ('issuerName', ctypes.c_char_p), ('tbs', SECItem)]


def main() -> None:
    database, db_key = sys.argv[1], sys.argv[2]
    nss = ctypes.CDLL('libnss3.so')
    nss.NSS_Init.argtypes = [ctypes.c_char_p]
    nss.CERT_GetDefaultCertDB.restype = ctypes.c_void_p
    nss.CERT_FindCertByIssuerAndSN.argtypes = [ctypes.c_void_p, ctypes.POINTER(CERTIssuerAndSN)]
    nss.CERT_FindCertByIssuerAndSN.restype = ctypes.POINTER(CERTCertificateHead)
    nss.CERT_DestroyCertificate.argtypes = [ctypes.c_void_p]
    if nss.NSS_Init(database.encode()) != 0:
        sys.exit('NSS_Init failed')

    key = base64.b64decode(db_key)
    serial_length, issuer_length = struct.unpack('>II', key[8:16])
    serial = key[16:16 + serial_length]
    issuer = key[16 + serial_length:16 + serial_length + issuer_length]
    serial_buffer = ctypes.create_string_buffer(serial, len(serial))
    issuer_buffer = ctypes.create_string_buffer(issuer, len(issuer))
    wanted = CERTIssuerAndSN(
        SECItem(0, ctypes.cast(issuer_buffer, ctypes.c_void_p), len(issuer)),
        CERTName(None, None),
        SECItem(0, ctypes.cast(serial_buffer, ctypes.c_void_p), len(serial)),
    )
    found = nss.CERT_FindCertByIssuerAndSN(nss.CERT_GetDefaultCertDB(), ctypes.byref(wanted))
    if found:
        tbs = ctypes.string_at(found.contents.tbs.data, found.contents.tbs.len)
        print('FOUND ' + base64.b64encode(tbs).decode())
        nss.CERT_DestroyCertificate(found)
    else:
        print('NOT FOUND')
    nss.NSS_Shutdown()


main()
