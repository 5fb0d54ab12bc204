#!/usr/bin/python
# -*- coding: utf-8 -*-
# mailcert's Ansible module: runs `mailcert install` or `mailcert remove` on the managed host and turns
# its JSON report into an Ansible result. Python's standard library and Ansible's own module_utils only,
# so that it runs on any host Ansible can reach with nothing else installed.

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
---
module: mailcert
short_description: Install an S/MIME certificate for the mail clients of the connecting user
description:
  - Runs C(mailcert install FILE --yes --json --password-stdin) on the managed host, as the user
    Ansible connects as (or becomes), and reports whether anything changed.
  - mailcert imports the identity from the PKCS#12 file into the certificate store each mail client
    reads (each Thunderbird profile's NSS database, Evolution's shared database, the macOS login
    keychain, the Windows certificate store) and sets every matching account to sign and decrypt with it.
  - The password reaches mailcert on its standard input only, never in its argument list or
    environment, and is not logged (C(no_log)).
  - With C(state=absent) it runs C(mailcert remove --yes --json), which puts the accounts' S/MIME
    settings back as they were before mailcert changed them.
  - In check mode it runs mailcert with C(--dry-run), which changes nothing on the host.
options:
  path:
    description:
      - The .p12 or .pfx file on the managed host. Required with C(state=present).
    type: path
  password:
    description:
      - The password of the PKCS#12 file. Required with C(state=present). Keep it in Ansible Vault.
    type: str
  state:
    description:
      - C(present) installs the certificate; C(absent) undoes what mailcert set up.
    type: str
    choices: [present, absent]
    default: present
  accounts:
    description:
      - Only these account addresses (C(--account), repeated). Default with C(present) is every
        account whose address the certificate names; with C(absent), everything mailcert set up
        for the user (C(--all)).
    type: list
    elements: str
    default: []
  clients:
    description:
      - Only these mail clients (C(--client), repeated). Default is every client found.
    type: list
    elements: str
    choices: [thunderbird, evolution, apple-mail, outlook-mac, outlook, new-outlook]
    default: []
  profiles:
    description:
      - These Thunderbird profile folders (C(--profile), repeated) instead of the ones in profiles.ini.
    type: list
    elements: path
    default: []
  sign_by_default:
    description:
      - C(true) signs every outgoing message by default, C(false) turns that off; unset leaves the
        setting as it is.
    type: bool
  encrypt_by_default:
    description:
      - C(true) requires encryption by default, C(false) turns that off; unset leaves it as it is.
    type: bool
  trust_root:
    description:
      - Trust the certificate's private root certificate authority to vouch for e-mail certificates
        (C(--trust-root)). Without it an untrusted private root makes the mail client refuse the
        certificate, and mailcert installs nothing (it fails with exit code 5).
    type: bool
    default: false
  delete_identity:
    description:
      - With C(absent), also take the certificates and private key mailcert added out of the stores
        (C(--delete-identity)).
    type: bool
    default: false
  user:
    description:
      - Act for this user (C(--user)), when the engine runs the module as root rather than as the user.
    type: str
  executable:
    description:
      - The mailcert program on the managed host, a name looked up on PATH or a path.
    type: str
    default: mailcert
  extra_args:
    description:
      - More mailcert flags, passed as they are (for example C(--lock-wait=120)). Never a password.
    type: list
    elements: str
    default: []
notes:
  - Exit codes and error codes are mailcert's own (C(mailcert --help)); the module returns them as
    C(rc) and C(code). A wrong password fails with rc 3, a certificate that cannot be used for
    S/MIME with 5, a running mail client or a busy store with 6, a run where some targets failed with 7.
  - In check mode mailcert's dry run lists the steps it would take, but not yet which of them would
    find everything already in place. So check mode reports C(changed) whenever the plan has a step,
    also on a host where a real run would change nothing; it never reports unchanged where a real run
    would change something.
  - C(state=absent) for accounts that mailcert set up nothing for is not an error; the result is
    ok and unchanged.
requirements:
  - mailcert on the managed host
author:
  - mailcert
'''

EXAMPLES = r'''
- name: Install Alice's certificate and sign by default
  mailcert:
    path: /home/alice/alice.p12
    password: "{{ smime_password }}"
    trust_root: true
    sign_by_default: true

- name: Only Thunderbird, only one address
  mailcert:
    path: /home/alice/alice.p12
    password: "{{ smime_password }}"
    clients: [thunderbird]
    accounts: [alice@example.com]

- name: Undo it
  mailcert:
    state: absent
    accounts: [alice@example.com]
'''

RETURN = r'''
changed:
  description: Whether anything on the host changed (in check mode, whether the plan has steps).
  returned: always
  type: bool
rc:
  description: mailcert's exit code.
  returned: always
  type: int
targets:
  description:
    - mailcert's report per target (a Thunderbird profile, a store), each with C(status), C(changed),
      C(accounts), C(steps) and, for a failed target, C(reason), C(code), C(exitCode) and C(hints).
  returned: when mailcert applied its plan
  type: list
  elements: dict
plan:
  description: The steps mailcert planned, as it describes them.
  returned: when mailcert got as far as a plan
  type: list
  elements: str
certificate:
  description: Whom the certificate is for (C(emails), C(subject), C(fingerprintSha256)).
  returned: with state=present, when the file could be read
  type: dict
warnings_mailcert:
  description: mailcert's own warnings for this run.
  returned: always
  type: list
  elements: str
code:
  description: mailcert's error code (C(wrong-password), C(not-smime), ...).
  returned: on failure
  type: str
hints:
  description: What mailcert suggests doing about the failure.
  returned: on failure
  type: list
  elements: str
'''

import json

from ansible.module_utils.basic import AnsibleModule

# `mailcert remove` fails with this error code (exit 2) when it set up nothing for those accounts: for
# Ansible there is nothing to undo, which is the state asked for, so the result is ok and unchanged.
NOTHING_TO_REMOVE = 'nothing-to-remove'


# The parameters, as DOCUMENTATION describes them (the unit test holds the two together).
ARGUMENT_SPEC = dict(
    path=dict(type='path'),
    password=dict(type='str', no_log=True),
    state=dict(type='str', choices=['present', 'absent'], default='present'),
    accounts=dict(type='list', elements='str', default=[]),
    clients=dict(type='list', elements='str', default=[],
                 choices=['thunderbird', 'evolution', 'apple-mail', 'outlook-mac', 'outlook', 'new-outlook']),
    profiles=dict(type='list', elements='path', default=[]),
    sign_by_default=dict(type='bool'),
    encrypt_by_default=dict(type='bool'),
    trust_root=dict(type='bool', default=False),
    delete_identity=dict(type='bool', default=False),
    user=dict(type='str'),
    executable=dict(type='str', default='mailcert'),
    extra_args=dict(type='list', elements='str', default=[]),
)


def build_argv(params, check_mode):
    """mailcert's argument list for these module parameters. The password is never in it."""
    argv = [params['executable']]
    if params['state'] == 'present':
        argv += ['install', params['path'], '--yes', '--json', '--password-stdin']
    else:
        argv += ['remove', '--yes', '--json']
        if not params['accounts']:
            argv.append('--all')
        if params['delete_identity']:
            argv.append('--delete-identity')
    for account in params['accounts']:
        argv += ['--account', account]
    for client in params['clients']:
        argv += ['--client', client]
    for profile in params['profiles']:
        argv += ['--profile', profile]
    if params['state'] == 'present':
        for name in ('sign_by_default', 'encrypt_by_default'):
            flag = name.replace('_', '-')
            if params[name] is True:
                argv.append('--' + flag)
            elif params[name] is False:
                argv.append('--no-' + flag)
        if params['trust_root']:
            argv.append('--trust-root')
    if params['user']:
        argv += ['--user', params['user']]
    argv += params['extra_args']
    if check_mode:
        argv.append('--dry-run')
    return argv


def plan_has_steps(plan):
    """Whether mailcert's plan (its lines: a target, then its steps indented with "  - ") has a step."""
    return any(line.startswith('  - ') for line in plan)


def failed_targets_message(targets):
    failed = [t for t in targets if t.get('status') == 'failed']
    if not failed:
        return None
    return '; '.join('%s: %s' % (t.get('label', t.get('location', '?')), t.get('reason', 'failed')) for t in failed)


def interpret(rc, stdout, stderr, check_mode):
    """
    The Ansible result for one mailcert run: a dict with `failed` and `changed`, and what mailcert
    reported. Pure, so that it can be tested without a host.
    """
    try:
        report = json.loads(stdout)
    except ValueError:
        report = None
    if not isinstance(report, dict) or 'status' not in report:
        return {
            'failed': True,
            'changed': False,
            'rc': rc,
            'msg': 'mailcert gave no JSON report (exit code %s): %s' % (rc, (stderr or stdout).strip()[-2000:]),
            'stderr': stderr,
        }
    warnings = report.get('warnings', [])
    error = report.get('error')
    if error is not None:
        if error.get('code') == NOTHING_TO_REMOVE:
            return {'failed': False, 'changed': False, 'rc': rc, 'msg': error.get('message', ''), 'warnings_mailcert': warnings}
        return {
            'failed': True,
            'changed': False,
            'rc': rc,
            'msg': error.get('message', 'mailcert failed'),
            'code': error.get('code'),
            'kind': error.get('kind'),
            'hints': error.get('hints', []),
            'warnings_mailcert': warnings,
        }
    outcome = report.get('result', {})
    targets = outcome.get('targets', [])
    if check_mode or outcome.get('dryRun'):
        changed = plan_has_steps(outcome.get('plan', []))
    else:
        changed = bool(outcome.get('changed'))
    result = {
        'failed': rc != 0,
        'changed': changed,
        'rc': rc,
        'targets': targets,
        'plan': outcome.get('plan', []),
        'warnings_mailcert': warnings,
    }
    if 'certificate' in outcome:
        result['certificate'] = outcome['certificate']
    if rc != 0:
        failed = [t for t in targets if t.get('status') == 'failed']
        result['msg'] = failed_targets_message(targets) or 'mailcert exited with %s' % rc
        if failed:
            result['code'] = failed[0].get('code')
            result['hints'] = failed[0].get('hints', [])
    return result


def main():
    module = AnsibleModule(
        argument_spec=ARGUMENT_SPEC,
        required_if=[('state', 'present', ('path', 'password'))],
        supports_check_mode=True,
    )
    params = dict(module.params)
    if '/' not in params['executable']:
        params['executable'] = module.get_bin_path(params['executable'], required=True)
    argv = build_argv(params, module.check_mode)
    # The password only on standard input (run_command adds the line break mailcert ignores); nothing for remove.
    data = module.params['password'] if module.params['state'] == 'present' else None
    rc, stdout, stderr = module.run_command(argv, data=data, environ_update={'NO_COLOR': '1'})
    result = interpret(rc, stdout, stderr, module.check_mode)
    if result.pop('failed'):
        module.fail_json(**result)
    module.exit_json(**result)


if __name__ == '__main__':
    main()
