/**
 * The messages every StateStore adapter gives for the same outcome, so a
 * caller (and a contract test) sees one behaviour whatever the backend.
 */
import { domainError, type DomainError } from '../../domain/errors.js';

export const alreadyExists = (label: string): DomainError =>
  domainError('ConcurrencyError', `${label} already exists`);

/** Compare-and-set lost: the record moved on (or vanished) since the caller read it. */
export const changedSinceRead = (label: string): DomainError =>
  domainError('ConcurrencyError', `${label} changed since it was read`);
