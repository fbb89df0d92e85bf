import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { distanceMeters, geofenceVerdict, MAX_ACCURACY_M, type Geofence } from './geofence';

const centre = { lat: 48.8584, lon: 2.2945 };
const fence: Geofence = { ...centre, radiusM: 100, mode: 'enforce' };
/** Metres per degree of latitude on a sphere of radius 6 371 008.8 m. */
const M_PER_DEG = (6_371_008.8 * Math.PI) / 180;
/** A point `metres` due north of the centre. */
const north = (metres: number): { lat: number; lon: number } => ({
  lat: centre.lat + metres / M_PER_DEG,
  lon: centre.lon,
});

describe('distanceMeters', () => {
  it('is zero for the same point and symmetric', () => {
    expect(distanceMeters(centre, centre)).toBe(0);
    const other = { lat: 51.5007, lon: -0.1246 };
    expect(distanceMeters(centre, other)).toBeCloseTo(distanceMeters(other, centre), 6);
  });

  it('matches known distances', () => {
    // One degree of latitude, and Paris (Eiffel Tower) to London (Big Ben) ≈ 340.6 km on the mean sphere.
    expect(distanceMeters({ lat: 0, lon: 0 }, { lat: 1, lon: 0 })).toBeCloseTo(M_PER_DEG, 6);
    expect(distanceMeters(centre, { lat: 51.5007, lon: -0.1246 }) / 1000).toBeCloseTo(340.6, 0);
    expect(distanceMeters(north(0), north(250))).toBeCloseTo(250, 6);
  });

  it('takes the short way across the antimeridian', () => {
    const d = distanceMeters({ lat: 0, lon: 179.9 }, { lat: 0, lon: -179.9 });
    expect(d).toBeCloseTo(0.2 * M_PER_DEG, 3);
    expect(distanceMeters({ lat: -17, lon: 180 }, { lat: -17, lon: -180 })).toBeCloseTo(0, 6);
  });

  it('handles the poles and antipodes', () => {
    // Every longitude is the same point at a pole.
    expect(distanceMeters({ lat: 90, lon: 0 }, { lat: 90, lon: 120 })).toBeCloseTo(0, 6);
    expect(distanceMeters({ lat: -90, lon: -45 }, { lat: -90, lon: 135 })).toBeCloseTo(0, 6);
    // Across the pole, not around it.
    expect(distanceMeters({ lat: 89.9, lon: 0 }, { lat: 89.9, lon: 180 })).toBeCloseTo(0.2 * M_PER_DEG, 3);
    expect(distanceMeters({ lat: 90, lon: 0 }, { lat: -90, lon: 0 })).toBeCloseTo(180 * M_PER_DEG, 3);
    expect(distanceMeters({ lat: 0, lon: 0 }, { lat: 0, lon: 180 })).toBeCloseTo(180 * M_PER_DEG, 3);
    expect(Number.isNaN(distanceMeters({ lat: 10, lon: 20 }, { lat: -10, lon: -160 }))).toBe(false);
  });
});

describe('geofenceVerdict', () => {
  it('is off without a fence or with mode off, whatever the location', () => {
    expect(geofenceVerdict(undefined, { ...centre, accuracyM: 5 })).toEqual({ verdict: 'off' });
    expect(geofenceVerdict({ ...fence, mode: 'off' }, { lat: 0, lon: 0, accuracyM: 9_999 })).toEqual({
      verdict: 'off',
    });
    expect(geofenceVerdict({ ...fence, mode: 'off' }, undefined)).toEqual({ verdict: 'off' });
  });

  it('is missing, without a band, when the fence is on and no location came', () => {
    expect(geofenceVerdict(fence, undefined)).toEqual({ verdict: 'missing' });
    expect(geofenceVerdict({ ...fence, mode: 'warn' }, undefined)).toEqual({ verdict: 'missing' });
  });

  it('passes inside and fails outside the radius', () => {
    expect(geofenceVerdict(fence, { ...north(50), accuracyM: 10 }).verdict).toBe('pass');
    expect(geofenceVerdict(fence, { ...north(150), accuracyM: 10 }).verdict).toBe('fail');
    // Accuracy widens the circle: 150 m away with ±60 m may be within 100 m.
    expect(geofenceVerdict(fence, { ...north(150), accuracyM: 60 }).verdict).toBe('pass');
  });

  it('passes exactly on the edge (distance − accuracy = radius) and fails just past it', () => {
    const location = { ...north(180), accuracyM: 50 };
    const edge = distanceMeters(centre, location) - location.accuracyM;
    expect(geofenceVerdict({ ...fence, radiusM: edge }, location).verdict).toBe('pass');
    const justInside = edge - edge * Number.EPSILON;
    expect(justInside).toBeLessThan(edge);
    expect(geofenceVerdict({ ...fence, radiusM: justInside }, location).verdict).toBe('fail');
  });

  it('accepts accuracy up to exactly 150 m and refuses anything worse, even at the centre', () => {
    expect(MAX_ACCURACY_M).toBe(150);
    expect(geofenceVerdict(fence, { ...centre, accuracyM: 150 }).verdict).toBe('pass');
    expect(geofenceVerdict(fence, { ...north(200), accuracyM: 150 }).verdict).toBe('pass');
    expect(geofenceVerdict(fence, { ...centre, accuracyM: 150.1 }).verdict).toBe('fail');
    expect(geofenceVerdict({ ...fence, radiusM: 5_000 }, { ...centre, accuracyM: 150.1 }).verdict).toBe('fail');
  });

  it('never lets a huge accuracy pass, even when it covers the whole fence', () => {
    expect(geofenceVerdict(fence, { ...north(10_000), accuracyM: 20_000 }).verdict).toBe('fail');
    expect(geofenceVerdict(fence, { ...centre, accuracyM: Number.MAX_VALUE }).verdict).toBe('fail');
    expect(geofenceVerdict(fence, { ...centre, accuracyM: Infinity }).verdict).toBe('fail');
    expect(geofenceVerdict(fence, { ...centre, accuracyM: Number.NaN }).verdict).toBe('fail');
  });

  it('applies the same rule in warn and enforce mode', () => {
    expect(geofenceVerdict({ ...fence, mode: 'warn' }, { ...north(150), accuracyM: 10 }).verdict).toBe('fail');
    expect(geofenceVerdict({ ...fence, mode: 'warn' }, { ...north(50), accuracyM: 10 }).verdict).toBe('pass');
  });

  it('reports a coarse band of the distance from the centre, never the distance', () => {
    const bandAt = (metres: number): unknown => geofenceVerdict(fence, { ...north(metres), accuracyM: 10 }).band;
    expect(bandAt(0)).toBe('<100m');
    expect(bandAt(99.99)).toBe('<100m');
    expect(bandAt(100.01)).toBe('100-500m');
    expect(bandAt(499.99)).toBe('100-500m');
    expect(bandAt(500.01)).toBe('500m-2km');
    expect(bandAt(1_999.99)).toBe('500m-2km');
    expect(bandAt(2_000.01)).toBe('>2km');
    expect(bandAt(5_000_000)).toBe('>2km');
    const result = geofenceVerdict(fence, { ...north(321), accuracyM: 10 });
    // Exactly these two fields: no distance, no coordinates.
    expect(result).toStrictEqual({ verdict: 'fail', band: '100-500m' });
  });

  it('bands a failing location too', () => {
    expect(geofenceVerdict(fence, { ...centre, accuracyM: 500 })).toEqual({ verdict: 'fail', band: '<100m' });
  });

  it('never turns fail into pass by moving the location farther from the centre', () => {
    const offset = fc.double({ min: -0.05, max: 0.05, noNaN: true });
    const point = fc.record({ dLat: offset, dLon: offset });
    let premiseHeld = 0;
    fc.assert(
      fc.property(
        fc.double({ min: -80, max: 80, noNaN: true }),
        fc.double({ min: -180, max: 180, noNaN: true }),
        fc.double({ min: 10, max: 5_000, noNaN: true }),
        fc.double({ min: 0, max: 200, noNaN: true }),
        point,
        point,
        (lat, lon, radiusM, accuracyM, p, q) => {
          const f: Geofence = { lat, lon, radiusM, mode: 'enforce' };
          const a = { lat: lat + p.dLat, lon: lon + p.dLon, accuracyM };
          const b = { lat: lat + q.dLat, lon: lon + q.dLon, accuracyM };
          const [near, far] = distanceMeters(f, a) <= distanceMeters(f, b) ? [a, b] : [b, a];
          if (geofenceVerdict(f, far).verdict === 'pass') {
            premiseHeld++;
            expect(geofenceVerdict(f, near).verdict).toBe('pass');
          }
        },
      ),
      { numRuns: 500 },
    );
    // The implication was tested, not vacuously true: the far point passed in a fair share of the runs.
    expect(premiseHeld).toBeGreaterThanOrEqual(50);
  });

  it('never turns fail into pass moving outwards along one bearing', () => {
    let premiseHeld = 0;
    fc.assert(
      fc.property(
        fc.double({ min: 0, max: 3_000, noNaN: true }),
        fc.double({ min: 0, max: 3_000, noNaN: true }),
        fc.double({ min: 10, max: 5_000, noNaN: true }),
        fc.double({ min: 0, max: 200, noNaN: true }),
        (m1, m2, radiusM, accuracyM) => {
          const f: Geofence = { ...centre, radiusM, mode: 'warn' };
          const near = { ...north(Math.min(m1, m2)), accuracyM };
          const far = { ...north(Math.max(m1, m2)), accuracyM };
          if (geofenceVerdict(f, far).verdict === 'pass') {
            premiseHeld++;
            expect(geofenceVerdict(f, near).verdict).toBe('pass');
          }
        },
      ),
      { numRuns: 500 },
    );
    expect(premiseHeld).toBeGreaterThanOrEqual(50);
  });
});
