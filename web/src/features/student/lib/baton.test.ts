import { chainVectors } from '@qrca/contract';
import jsQR from 'jsqr';
import { describe, expect, it } from 'vitest';
import { qrPath } from '../../../components/qr-code';
import { batonPayload } from './baton';

/** Renders a QR path (unit squares) to RGBA pixels, `scale` pixels per module. */
function rasterise(text: string, scale = 4): { data: Uint8ClampedArray; width: number } {
  const { size, path } = qrPath(text);
  const width = size * scale;
  const data = new Uint8ClampedArray(width * width * 4).fill(255);
  for (const [, x, y] of path.matchAll(/M(\d+) (\d+)h1v1h-1z/g)) {
    for (let dy = 0; dy < scale; dy++) {
      for (let dx = 0; dx < scale; dx++) {
        const at = ((Number(y) * scale + dy) * width + Number(x) * scale + dx) * 4;
        data[at] = data[at + 1] = data[at + 2] = 0;
      }
    }
  }
  return { data, width };
}

describe("the phone's baton", () => {
  it.each(chainVectors)('shows what the server derives for $payload', async (vector) => {
    expect(await batonPayload(vector.sessionId, vector, vector.unixMs)).toBe(vector.payload);
  });

  it('draws a QR that decodes back to the payload (what a classmate’s camera reads)', () => {
    for (const { payload } of chainVectors) {
      const { data, width } = rasterise(payload);
      expect(jsQR(data, width, width)?.data).toBe(payload);
    }
  });
});
