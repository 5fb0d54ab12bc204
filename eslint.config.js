import js from '@eslint/js'
import globals from 'globals'
import tseslint from 'typescript-eslint'

export default tseslint.config(
  {ignores: ['dist/', 'node_modules/', 'test/fixtures/', 'test/vectors/', 'tmp/']},
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: {globals: {...globals.node}},
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', {argsIgnorePattern: '^_', varsIgnorePattern: '^_'}],
      'no-console': 'error',
      eqeqeq: ['error', 'always', {null: 'ignore'}],
      'prefer-const': 'error',
    },
  },
  {
    files: ['scripts/**', 'test/**', 'bin/**'],
    rules: {'no-console': 'off'},
  },
)
