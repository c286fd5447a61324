/**
 * Contact addresses: normalising and masking e-mail addresses and phone numbers for contacts, with the
 * library's e-mail and phone helpers.
 * @module
 */
import { maskEmail, normalizeEmail } from '../email.js';
import { TwoSvError } from '../errors.js';
import { maskPhone, normalizePhone, type PhoneOptions } from '../phone.js';
import type { CodeChannel, ContactInput } from './types.js';

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
export function parseContactInput(contact: ContactInput, phone: PhoneOptions = {}): ParsedContact {
  if (contact === null || typeof contact !== 'object') {
    throw new TwoSvError('INVALID_OPTION', 'contact must be an object');
  }
  if ('email' in contact) return { kind: 'email', channel: 'email', value: normalizeEmail(contact.email) };
  const channel = contact.channel ?? 'sms';
  if (channel !== 'sms' && channel !== 'voice') {
    throw new TwoSvError('INVALID_OPTION', "channel must be 'sms' or 'voice'");
  }
  return { kind: 'phone', channel, value: normalizePhone(contact.phone, { ...phone, channel }) };
}
