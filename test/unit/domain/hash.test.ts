import { expect } from 'chai';
import { sha1, sha1Hex, uuidV5 } from '../../../src/domain/hash.js';

const DNS_NAMESPACE = '6ba7b810-9dad-11d1-80b4-00c04fd430c8';
const URL_NAMESPACE = '6ba7b811-9dad-11d1-80b4-00c04fd430c8';

describe('domain/hash', () => {
  describe('sha1Hex', () => {
    it('matches the FIPS 180 test vectors', () => {
      expect(sha1Hex('abc')).to.equal('a9993e364706816aba3e25717850c26c9cd0d89d');
      expect(sha1Hex('')).to.equal('da39a3ee5e6b4b0d3255bfef95601890afd80709');
      expect(sha1Hex('abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq')).to.equal('84983e441c3bd26ebaae4aa1f95129e5e54670f1');
    });

    it('handles messages spanning several blocks and the 55/56-byte padding boundary', () => {
      expect(sha1Hex('a'.repeat(1000))).to.equal('291e9a6c66994949b57ba5e650361e98fc36b1ba');
      expect(sha1Hex('a'.repeat(55))).to.equal('c1c8bbdc22796e28c0e15163d20899b65621d65a');
      expect(sha1Hex('a'.repeat(56))).to.equal('c2db330f6083854c99d4b5bfb6e8f29f201be699');
      expect(sha1Hex('a'.repeat(64))).to.equal('0098ba824b5c16427bd7a1122a5a442a25ec644d');
    });

    it('hashes the UTF-8 bytes of the text', () => {
      expect(sha1Hex('é')).to.equal(sha1Hex('\u00e9'));
      expect(sha1(Array.from(new TextEncoder().encode('é')))).to.deep.equal(sha1([0xc3, 0xa9]));
      expect(sha1Hex('é')).to.not.equal(sha1Hex('e'));
    });

    it('returns 20 bytes', () => {
      const digest = sha1([1, 2, 3]);
      expect(digest).to.have.length(20);
      expect(digest.every((b) => Number.isInteger(b) && b >= 0 && b <= 255)).to.equal(true);
    });
  });

  describe('uuidV5', () => {
    it('matches the well-known value for www.example.com in the DNS namespace', () => {
      expect(uuidV5('www.example.com', DNS_NAMESPACE)).to.equal('2ed6657d-e927-568b-95e1-2665a8aea6a2');
    });

    it('matches the well-known value for python.org in the DNS namespace', () => {
      expect(uuidV5('python.org', DNS_NAMESPACE)).to.equal('886313e1-3b8a-5372-9b90-0c9aee199e5d');
    });

    it('depends on the namespace and sets version 5 and the RFC 4122 variant', () => {
      const id = uuidV5('www.example.com', URL_NAMESPACE);
      expect(id).to.not.equal(uuidV5('www.example.com', DNS_NAMESPACE));
      expect(id).to.match(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    });

    it('is stable for the same input', () => {
      expect(uuidV5('team/offering', DNS_NAMESPACE)).to.equal(uuidV5('team/offering', DNS_NAMESPACE));
    });
  });
});
