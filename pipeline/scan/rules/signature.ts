/**
 * The publisher's own `mcpb sign` signature, as the scan sees it. Verification itself lives in
 * pipeline/core/mcpb-signature.ts; these rules only say what its outcome means for the verdict.
 * Unsigned bundles are the norm today, so no signature is not a finding: policies can require one.
 */
import type { SignatureReport } from '../../core/schema-types.gen.ts';
import { defineRules, type ScanSink } from '../types.ts';

export const SIGNATURE_RULES = defineRules({
  'signature-invalid': {
    severity: 'reject',
    summary:
      'The bundle carries an mcpb signature that does not verify: changed bytes, a broken block, or a signature the verifier refuses (unsupported algorithm, weak key, missing signer certificate).',
  },
  'signature-untrusted': {
    severity: 'info',
    summary: "The signature verifies, but the signer's chain does not reach a trusted publisher certificate.",
  },
});

export function checkSignature(report: SignatureReport, sink: ScanSink): void {
  if (!report.signed) return;
  if (!report.valid) {
    sink.finding(
      SIGNATURE_RULES['signature-invalid'],
      '',
      `The mcpb signature does not verify (${report.error ?? 'unknown reason'}); re-sign the bundle or remove the block.`,
    );
  } else if (!report.trusted) {
    sink.finding(
      SIGNATURE_RULES['signature-untrusted'],
      '',
      `Signed by ${report.signer?.subject.replace(/\n/g, ', ') ?? 'an unknown signer'}, which is not a trusted publisher (${report.error ?? 'no trust anchor'}).`,
    );
  }
}
