/** Geofence verdicts: great-circle distance, the pass rule and a coarse distance band. */
import type { PolicyMode } from '@qrca/contract';

/** Mean Earth radius (IUGG), in metres. */
const EARTH_RADIUS_M = 6_371_008.8;

/** Reported accuracies worse than this never pass, wherever the position is. */
export const MAX_ACCURACY_M = 150;

/** What may be stored about a position: a band of the distance from the centre, never the raw distance. */
export type DistanceBand = '<100m' | '100-500m' | '500m-2km' | '>2km';

export type GeofenceVerdict = 'off' | 'pass' | 'fail' | 'missing';

export interface LatLon {
  readonly lat: number;
  readonly lon: number;
}

export interface Geofence extends LatLon {
  readonly radiusM: number;
  readonly mode: PolicyMode;
}

export interface ReportedLocation extends LatLon {
  readonly accuracyM: number;
}

const radians = (degrees: number): number => (degrees * Math.PI) / 180;

/** Haversine distance in metres between two points given in degrees. Throws nothing. */
export function distanceMeters(a: LatLon, b: LatLon): number {
  const dLat = radians(b.lat - a.lat);
  const dLon = radians(b.lon - a.lon);
  const h = Math.sin(dLat / 2) ** 2 + Math.cos(radians(a.lat)) * Math.cos(radians(b.lat)) * Math.sin(dLon / 2) ** 2;
  // Rounding can push h a hair above 1 for antipodal points.
  return 2 * EARTH_RADIUS_M * Math.asin(Math.sqrt(Math.min(1, h)));
}

/** The band of a distance: `<100m` below 100, `100-500m` up to 500, `500m-2km` up to 2000, else `>2km`. */
function bandOf(distanceM: number): DistanceBand {
  if (distanceM < 100) return '<100m';
  if (distanceM <= 500) return '100-500m';
  if (distanceM <= 2_000) return '500m-2km';
  return '>2km';
}

/**
 * The geofence verdict for a reported location: 'off' without a fence or with mode 'off'; 'missing' when the
 * fence is on but no location came; otherwise 'pass' iff distance − accuracy ≤ radius and accuracy ≤
 * {@link MAX_ACCURACY_M}, else 'fail'. `band` is set whenever a location was evaluated. Throws nothing.
 */
export function geofenceVerdict(
  fence: Geofence | undefined,
  location: ReportedLocation | undefined,
): { verdict: GeofenceVerdict; band?: DistanceBand } {
  if (!fence || fence.mode === 'off') return { verdict: 'off' };
  if (!location) return { verdict: 'missing' };
  const distance = distanceMeters(fence, location);
  const pass = distance - location.accuracyM <= fence.radiusM && location.accuracyM <= MAX_ACCURACY_M;
  return { verdict: pass ? 'pass' : 'fail', band: bandOf(distance) };
}
