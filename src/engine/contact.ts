/**
 * Contact addresses: normalising and masking e-mail addresses and phone numbers for contacts. Small on
 * purpose, so that a dedicated e-mail module can replace it.
 * @module
 */
import { TwoSvError } from '../errors.js';
import { maskPhone, normalizePhone } from '../phone.js';
import type { CodeChannel, ContactInput } from './types.js';

/**
 * A plausible e-mail address, normalised: trimmed, NFC, the domain lower-cased. Deliberately permissive
 * in the local part (the mailbox decides), strict about what can never be an address.
 */
export function normalizeEmail(input: unknown): string {
  const bad = () => new TwoSvError('INVALID_EMAIL', 'email must be an address like name@example.com');
  if (typeof input !== 'string' || input.length > 254) throw bad();
  const text = input.trim().normalize('NFC');
  const at = text.lastIndexOf('@');
  if (at < 1) throw bad();
  const local = text.slice(0, at);
  const domain = text.slice(at + 1).toLowerCase();
  if (local.length > 64 || /[\s\p{Cc}<>()[\]\\,;:@"]/u.test(local)) throw bad();
  if (!/^(?=.{1,253}$)([\p{L}\p{N}](?:[\p{L}\p{N}-]{0,61}[\p{L}\p{N}])?\.)+[\p{L}]{2,63}$/u.test(domain))
    throw bad();
  return `${local}@${domain}`;
}

/** `'a•••@example.com'`: the first character and the domain. */
export function maskEmail(email: string): string {
  const at = email.lastIndexOf('@');
  return `${email.slice(0, 1)}•••@${email.slice(at + 1)}`;
}

export function maskContact(kind: 'email' | 'phone', value: string): string {
  return kind === 'email' ? maskEmail(value) : maskPhone(value);
}

/** The masked form of a destination, for `code-sent` events. */
export function maskDestination(channel: CodeChannel, to: string): string {
  return channel === 'email' ? maskEmail(to) : maskPhone(to);
}

/** A contact as the app passed it, checked and normalised. */
export interface ParsedContact {
  kind: 'email' | 'phone';
  channel: CodeChannel;
  value: string;
}

/** @throws `INVALID_OPTION`, `INVALID_EMAIL`, `INVALID_PHONE`. */
export function parseContactInput(contact: ContactInput): ParsedContact {
  if (contact === null || typeof contact !== 'object') {
    throw new TwoSvError('INVALID_OPTION', 'contact must be an object');
  }
  if ('email' in contact) return { kind: 'email', channel: 'email', value: normalizeEmail(contact.email) };
  const channel = contact.channel ?? 'sms';
  if (channel !== 'sms' && channel !== 'voice') {
    throw new TwoSvError('INVALID_OPTION', "channel must be 'sms' or 'voice'");
  }
  return { kind: 'phone', channel, value: normalizePhone(contact.phone) };
}
