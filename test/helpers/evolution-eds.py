#!/usr/bin/python3
"""The real evolution-data-server, for tests: run under `dbus-run-session` with HOME and the XDG
folders in a sandbox (test/helpers/evolution-home.ts does that).

  evolution-eds.py create ACCOUNTS_JSON   accounts as [{"address": ..., "name": ...}]: each becomes a
                                          mail account, a mail identity and a mail transport, made
                                          and written by the source registry; prints the uids as JSON
  evolution-eds.py read                   prints, as JSON, every mail identity the registry loaded,
                                          with its S/MIME settings as ESourceSMIME reads them
  evolution-eds.py set-smime UID JSON     sets the identity's S/MIME settings through ESourceSMIME
                                          ({"signingCertificate": ..., "encryptionCertificate": ...,
                                          "signByDefault": ..., "encryptByDefault": ...}) and has
                                          the registry write the source
  evolution-eds.py camel-init              only initialises Camel with NSS, as Evolution does at start
                                          (camel_init opens, and creates, the NSS database it chooses)
  evolution-eds.py sign NICKNAME ADDRESS  signs a short message with Camel's S/MIME context (the
                                          code Evolution signs with) and prints what Camel said
  evolution-eds.py encrypt ADDRESS        encrypts a short message to ADDRESS with Camel's S/MIME
                                          context (the recipient's certificate from the NSS database)

The registry is started by D-Bus activation when the script asks for it, and stopped by the script
before it exits (SIGTERM to the process that owns the bus name, then waiting for it to be gone), so
no process outlives a call.
"""
import json
import os
import signal
import sys
import time

import gi

gi.require_version('EDataServer', '1.2')
gi.require_version('Camel', '1.2')
from gi.repository import Camel, EDataServer, Gio, GLib  # noqa: E402

REGISTRY_BUS_NAME = 'org.gnome.evolution.dataserver.Sources5'


def sources_dir():
    return os.path.join(GLib.get_user_config_dir(), 'evolution', 'sources')


def registry_pid(bus):
    reply = bus.call_sync('org.freedesktop.DBus', '/org/freedesktop/DBus', 'org.freedesktop.DBus',
                          'GetConnectionUnixProcessID', GLib.Variant('(s)', (REGISTRY_BUS_NAME,)),
                          GLib.VariantType('(u)'), Gio.DBusCallFlags.NONE, 5000, None)
    return reply.unpack()[0]


def stop_registry(bus):
    """Ends the registry this script started and waits until its process is gone."""
    try:
        pid = registry_pid(bus)
    except GLib.Error:
        return
    os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return
        time.sleep(0.05)
    os.kill(pid, signal.SIGKILL)


def wait_for_files(paths, seconds=20):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if all(os.path.exists(path) for path in paths):
            return
        time.sleep(0.05)
    missing = [path for path in paths if not os.path.exists(path)]
    raise SystemExit('the registry did not write ' + ', '.join(missing))


def create(registry, accounts):
    made = []
    sources = []
    for account in accounts:
        address, name = account['address'], account['name']
        mail_account = EDataServer.Source.new(None, None)
        identity = EDataServer.Source.new(None, None)
        transport = EDataServer.Source.new(None, None)
        for source in (mail_account, identity, transport):
            source.set_display_name(address)

        # As Evolution's account assistant links them: the account names its identity; the
        # identity and the transport are children of the account; the identity names its transport.
        account_extension = mail_account.get_extension(EDataServer.SOURCE_EXTENSION_MAIL_ACCOUNT)
        account_extension.set_backend_name('imapx')
        account_extension.set_identity_uid(identity.get_uid())
        identity.set_parent(mail_account.get_uid())
        identity_extension = identity.get_extension(EDataServer.SOURCE_EXTENSION_MAIL_IDENTITY)
        identity_extension.set_address(address)
        identity_extension.set_name(name)
        submission = identity.get_extension(EDataServer.SOURCE_EXTENSION_MAIL_SUBMISSION)
        submission.set_transport_uid(transport.get_uid())
        transport.set_parent(mail_account.get_uid())
        transport.get_extension(EDataServer.SOURCE_EXTENSION_MAIL_TRANSPORT).set_backend_name('smtp')

        sources += [mail_account, identity, transport]
        made.append({'address': address, 'account': mail_account.get_uid(), 'identity': identity.get_uid(),
                     'transport': transport.get_uid()})
    registry.create_sources_sync(sources, None)
    wait_for_files([os.path.join(sources_dir(), source.get_uid() + '.source') for source in sources])
    print(json.dumps(made))


def read(registry):
    identities = []
    for source in registry.list_sources(EDataServer.SOURCE_EXTENSION_MAIL_IDENTITY):
        identity = source.get_extension(EDataServer.SOURCE_EXTENSION_MAIL_IDENTITY)
        smime = source.get_extension(EDataServer.SOURCE_EXTENSION_SMIME)
        identities.append({
            'uid': source.get_uid(),
            'address': identity.get_address(),
            'signingCertificate': smime.get_signing_certificate(),
            'encryptionCertificate': smime.get_encryption_certificate(),
            'signByDefault': smime.get_sign_by_default(),
            'encryptByDefault': smime.get_encrypt_by_default(),
        })
    identities.sort(key=lambda entry: entry['address'] or '')
    print(json.dumps(identities))


def set_smime(registry, uid, settings):
    source = registry.ref_source(uid)
    if source is None:
        raise SystemExit('no source ' + uid)
    smime = source.get_extension(EDataServer.SOURCE_EXTENSION_SMIME)
    smime.set_signing_certificate(settings.get('signingCertificate'))
    smime.set_encryption_certificate(settings.get('encryptionCertificate'))
    smime.set_sign_by_default(settings.get('signByDefault', False))
    smime.set_encrypt_by_default(settings.get('encryptByDefault', False))
    path = os.path.join(sources_dir(), uid + '.source')
    before = os.stat(path).st_mtime_ns
    source.write_sync(None)
    deadline = time.monotonic() + 20
    while os.stat(path).st_mtime_ns == before or b'[Secure MIME (S/MIME)]' not in open(path, 'rb').read():
        if time.monotonic() > deadline:
            raise SystemExit('the registry did not write ' + path)
        time.sleep(0.05)


def camel_init():
    config = os.path.join(GLib.get_user_data_dir(), 'evolution', 'mail')
    os.makedirs(config, exist_ok=True)
    Camel.init(config, True)
    Camel.shutdown()


def sign(nickname, address):
    """Signs as Evolution's composer does: Camel initialised with NSS (camel_init chooses the NSS
    database), a CamelSMIMEContext, camel_cipher_context_sign_sync with the nickname as the key."""
    config = os.path.join(GLib.get_user_data_dir(), 'evolution', 'mail')
    os.makedirs(config, exist_ok=True)
    Camel.init(config, True)
    session = Camel.Session(user_data_dir=config, user_cache_dir=os.path.join(GLib.get_user_cache_dir(), 'evolution', 'mail'))
    context = Camel.SMIMEContext.new(session)
    context.set_sign_mode(Camel.SMIMESign.CLEARSIGN)
    part = Camel.MimePart.new()
    part.set_content(list(('mailcert test message from ' + address + '\r\n').encode()), 'text/plain')
    signed = Camel.MimePart.new()
    try:
        context.sign_sync(nickname, Camel.CipherHash.SHA256, part, signed, None)
    except GLib.Error as error:
        print(json.dumps({'signed': False, 'error': error.message}))
        return
    stream = Camel.StreamMem.new()
    signed.write_to_stream_sync(stream, None)
    print(json.dumps({'signed': True, 'contentType': signed.get_content_type().format(),
                      'mime': bytes(stream.get_byte_array()).decode('latin-1')}))


def encrypt(address):
    """Encrypts to ADDRESS as Evolution's composer does: Camel's S/MIME context finds the recipient's
    certificate by address in the NSS database and checks it for e-mail encryption first."""
    config = os.path.join(GLib.get_user_data_dir(), 'evolution', 'mail')
    os.makedirs(config, exist_ok=True)
    Camel.init(config, True)
    session = Camel.Session(user_data_dir=config, user_cache_dir=os.path.join(GLib.get_user_cache_dir(), 'evolution', 'mail'))
    context = Camel.SMIMEContext.new(session)
    part = Camel.MimePart.new()
    part.set_content(list(('mailcert test message to ' + address + '\r\n').encode()), 'text/plain')
    encrypted = Camel.MimePart.new()
    try:
        context.encrypt_sync(None, [address], part, encrypted, None)
    except GLib.Error as error:
        print(json.dumps({'encrypted': False, 'error': error.message}))
        return
    stream = Camel.StreamMem.new()
    encrypted.write_to_stream_sync(stream, None)
    print(json.dumps({'encrypted': True, 'contentType': encrypted.get_content_type().format(),
                      'mime': bytes(stream.get_byte_array()).decode('latin-1')}))


def main():
    command = sys.argv[1]
    if command == 'camel-init':
        camel_init()
        return
    if command == 'sign':
        sign(sys.argv[2], sys.argv[3])
        return
    if command == 'encrypt':
        encrypt(sys.argv[2])
        return
    bus = Gio.bus_get_sync(Gio.BusType.SESSION, None)
    try:
        registry = EDataServer.SourceRegistry.new_sync(None)
        if command == 'create':
            create(registry, json.loads(sys.argv[2]))
        elif command == 'set-smime':
            set_smime(registry, sys.argv[2], json.loads(sys.argv[3]))
        elif command == 'read':
            read(registry)
        else:
            raise SystemExit('unknown command ' + command)
    finally:
        stop_registry(bus)


if __name__ == '__main__':
    main()
