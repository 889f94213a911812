/**
 * `catalog verify-mcpb <file.mcpb> [--trust cert.pem]... [--json]`: checks a bundle's `mcpb sign`
 * publisher signature against the trusted publisher certificates.
 *
 * Exit codes: 0 signed, valid and trusted; 1 unsigned, or the signature is not valid;
 * 3 valid but not trusted (unknown signer, expired or unfit certificate): a policy question, told
 * apart from tampering so that scripts can treat it differently; 2 the command could not run
 * (missing bundle, unreadable trust file), thrown to the CLI as for every command.
 */
import { loadTrustedCertificates, verifyMcpbFile } from '../adapters/mcpb-signature-file.ts';
import { signatureErrorCode, type SignatureReport } from '../core/mcpb-signature.ts';
import type { Certificate } from '../core/schema-types.gen.ts';
import { UsageError, type CommandResult } from './args.ts';

export const EXIT_UNTRUSTED = 3;

export interface VerifyMcpbOptions {
  file: string;
  /** `--trust` PEM files. */
  trust: string[];
  /** PEM files from `trustedPublishers` in catalog.config.json, already resolved against the catalog root. */
  configTrust?: string[];
  json?: boolean;
  /** Verification time, for tests. */
  now?: Date;
}

export async function verifyMcpbCommand(options: VerifyMcpbOptions): Promise<CommandResult> {
  if (!options.file) throw new UsageError('verify-mcpb takes the path of one .mcpb file.');
  const trusted = await loadTrustedCertificates([...(options.configTrust ?? []), ...options.trust]);
  const report = await verifyMcpbFile(options.file, trusted, options.now ? { now: options.now } : {});
  const exitCode = report.valid && report.trusted ? 0 : report.valid ? EXIT_UNTRUSTED : 1;
  return { stdout: options.json ? JSON.stringify(report) : formatReport(report, trusted.length), exitCode };
}

function formatReport(report: SignatureReport, anchors: number): string {
  const status = !report.signed
    ? 'unsigned'
    : !report.valid
      ? 'INVALID'
      : report.trusted
        ? 'valid, trusted'
        : 'valid, NOT trusted';
  const lines = [`Signature: ${status}`];
  if (report.signed && report.layout) {
    lines.push(`Block:     ${report.format === 'dxt' ? 'DXT_SIG_V1' : 'MCPB_SIG_V1'}, ${report.layout} layout`);
  }
  if (report.signer) {
    lines.push(`Signer:    ${oneLine(report.signer.subject)}`, ...describe(report.signer));
  }
  if (report.signingTime) lines.push(`Signed at: ${report.signingTime}`);
  if (report.chain) lines.push(`Chain:     ${report.chain.map((c) => oneLine(c.subject)).join(' <- ')}`);
  if (report.error) lines.push(`Problem:   ${report.error}`);
  if (report.valid && !report.trusted && anchors === 0 && signatureErrorCode(report) === 'untrusted') {
    lines.push('Hint:      no trusted publisher certificates are configured; pass --trust cert.pem.');
  }
  // Certificate names come from the bundle: node:crypto escapes control characters in them, and
  // this keeps any that slip through from reaching the terminal.
  return lines.map((line) => line.replace(/[\u0000-\u001f\u007f-\u009f]/g, '?')).join('\n');
}

function describe(cert: Certificate): string[] {
  return [
    `Issuer:    ${oneLine(cert.issuer)}`,
    `SHA-256:   ${cert.fingerprint256}`,
    `Validity:  ${cert.notBefore} to ${cert.notAfter}`,
  ];
}

/** OpenSSL prints one RDN per line; a report line wants them comma-separated. */
const oneLine = (name: string) => name.split('\n').join(', ');
