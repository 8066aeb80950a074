/**
 * Where users read how to set up the bridge and find their key (Zapier check D002: auth help
 * text links to where credentials live). One constant, so the published address changes in
 * one place. TODO(lead): set to the project's public docs before `zapier-platform push`.
 */
export const ZAPIER_SETUP_DOCS_URL =
  'https://github.com/3cx-missed-call-bridge/3cx-missed-call-bridge/blob/main/README.md#the-zapier-app';
