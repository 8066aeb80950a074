/**
 * Where users read how to set up the bridge and find their key (Zapier check D002: auth help
 * text links to where credentials live). One constant, so the published address changes in
 * one place: point it at the published docs before the app is uploaded.
 */
export const ZAPIER_SETUP_DOCS_URL =
  'https://github.com/3cx-missed-call-bridge/3cx-missed-call-bridge/blob/main/README.md#the-zapier-app';
