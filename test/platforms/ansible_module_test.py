# The pure parts of platforms/ansible/library/mailcert.py: the argument list it gives mailcert and how
# it reads mailcert's JSON reports (real reports' shapes, as `mailcert install --json` prints them).
# Run by test/platforms/ansible-module.test.ts with the system python3 (the one with Ansible).
import json
import os
import sys
import unittest

import yaml

sys.path.insert(0, os.path.join(os.path.dirname(__file__), '..', '..', 'platforms', 'ansible', 'library'))

import mailcert  # noqa: E402

DEFAULTS = dict(path=None, password=None, state='present', accounts=[], clients=[], profiles=[], sign_by_default=None,
                encrypt_by_default=None, trust_root=False, delete_identity=False, user=None,
                executable='/usr/bin/mailcert', extra_args=[])


def params(**given):
    return dict(DEFAULTS, **given)


def target(**given):
    return dict({'label': 'Thunderbird profile "default-release"', 'location': '/home/a/.thunderbird/p', 'accounts': ['alice@example.com'],
                 'status': 'done', 'changed': True, 'rolledBack': False, 'steps': [], 'warnings': []}, **given)


PLAN = ['Thunderbird profile "default-release":', '  - Import the certificate and private key into the certificate database',
        '  - Set alice@example.com to sign and decrypt with this certificate']


class BuildArgv(unittest.TestCase):
    def test_install_reads_the_password_from_stdin_and_never_puts_it_in_the_arguments(self):
        argv = mailcert.build_argv(params(path='/tmp/a.p12', password='s3cret', accounts=['alice@example.com', 'al@example.com'],
                                          clients=['thunderbird'], sign_by_default=True, encrypt_by_default=False, trust_root=True), False)
        self.assertEqual(argv, ['/usr/bin/mailcert', 'install', '/tmp/a.p12', '--yes', '--json', '--password-stdin',
                                '--account', 'alice@example.com', '--account', 'al@example.com', '--client', 'thunderbird',
                                '--sign-by-default', '--no-encrypt-by-default', '--trust-root'])
        self.assertNotIn('s3cret', ' '.join(argv))

    def test_unset_defaults_leave_the_settings_alone_and_check_mode_is_a_dry_run(self):
        self.assertEqual(mailcert.build_argv(params(path='/tmp/a.p12', password='x'), True),
                         ['/usr/bin/mailcert', 'install', '/tmp/a.p12', '--yes', '--json', '--password-stdin', '--dry-run'])

    def test_remove_without_accounts_undoes_everything(self):
        self.assertEqual(mailcert.build_argv(params(state='absent', delete_identity=True), False),
                         ['/usr/bin/mailcert', 'remove', '--yes', '--json', '--all', '--delete-identity'])
        self.assertEqual(mailcert.build_argv(params(state='absent', accounts=['alice@example.com'], trust_root=True, user='alice'), True),
                         ['/usr/bin/mailcert', 'remove', '--yes', '--json', '--account', 'alice@example.com', '--user', 'alice', '--dry-run'])


class Interpret(unittest.TestCase):
    def report(self, rc, envelope, check_mode=False):
        return mailcert.interpret(rc, json.dumps(envelope), '', check_mode)

    def test_changed_comes_from_the_report(self):
        first = self.report(0, {'status': 0, 'result': {'dryRun': False, 'plan': PLAN, 'targets': [target()], 'changed': True}, 'warnings': []})
        self.assertEqual((first['failed'], first['changed'], first['rc']), (False, True, 0))
        self.assertEqual(first['targets'][0]['status'], 'done')
        again = self.report(0, {'status': 0, 'result': {'dryRun': False, 'plan': PLAN, 'targets': [target(status='unchanged', changed=False)],
                                                        'changed': False}, 'warnings': []})
        self.assertEqual((again['failed'], again['changed']), (False, False))

    def test_a_dry_run_is_changed_when_the_plan_has_steps(self):
        self.assertTrue(self.report(0, {'status': 0, 'result': {'dryRun': True, 'plan': PLAN, 'targets': [], 'changed': False}, 'warnings': []}, True)['changed'])
        nothing = self.report(0, {'status': 0, 'result': {'dryRun': True, 'plan': ['Thunderbird profile "p": skipped, no account'], 'targets': [],
                                                          'changed': False}, 'warnings': []}, True)
        self.assertFalse(nothing['changed'])

    def test_an_error_fails_with_mailcerts_message_code_hints_and_exit_code(self):
        result = self.report(3, {'status': 3, 'error': {'code': 'wrong-password', 'kind': 'user', 'message': 'The password is wrong.',
                                                        'hints': ['Use the password you chose.']}, 'warnings': []})
        self.assertEqual(result, {'failed': True, 'changed': False, 'rc': 3, 'msg': 'The password is wrong.', 'code': 'wrong-password',
                                  'kind': 'user', 'hints': ['Use the password you chose.'], 'warnings_mailcert': []})

    def test_a_partial_run_fails_naming_the_failed_target_and_keeps_changed(self):
        failed = target(label='Thunderbird profile "work"', status='failed', changed=False, reason='Thunderbird is running on it.',
                        code='busy', exitCode=6, hints=['Close Thunderbird.'])
        result = self.report(7, {'status': 7, 'result': {'dryRun': False, 'plan': PLAN, 'targets': [target(), failed], 'changed': True}, 'warnings': []})
        self.assertEqual((result['failed'], result['changed'], result['rc'], result['code']), (True, True, 7, 'busy'))
        self.assertEqual(result['msg'], 'Thunderbird profile "work": Thunderbird is running on it.')

    def test_nothing_to_remove_is_the_state_asked_for(self):
        result = self.report(2, {'status': 2, 'error': {'code': 'nothing-to-remove', 'kind': 'usage', 'message': 'mailcert set up nothing for a@b.c.',
                                                        'hints': []}, 'warnings': []})
        self.assertEqual((result['failed'], result['changed'], result['rc']), (False, False, 2))

    def test_output_that_is_not_a_report_fails_with_what_mailcert_said(self):
        result = mailcert.interpret(127, '', 'mailcert: not found\n', False)
        self.assertTrue(result['failed'])
        self.assertIn('mailcert: not found', result['msg'])


class Documentation(unittest.TestCase):
    def test_documents_every_parameter_as_the_module_takes_it(self):
        for block in (mailcert.DOCUMENTATION, mailcert.EXAMPLES, mailcert.RETURN):
            yaml.safe_load(block)
        options = yaml.safe_load(mailcert.DOCUMENTATION)['options']
        self.assertEqual(sorted(options), sorted(mailcert.ARGUMENT_SPEC))
        for name, spec in mailcert.ARGUMENT_SPEC.items():
            documented = {key: options[name][key] for key in ('type', 'elements', 'choices', 'default') if key in options[name]}
            self.assertEqual(documented, {key: spec[key] for key in ('type', 'elements', 'choices', 'default') if key in spec}, name)


if __name__ == '__main__':
    unittest.main()
