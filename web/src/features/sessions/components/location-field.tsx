/** The location check (geofence): its mode, the centre (typed, or "Use my location") and the radius in metres. */
import type { PolicyMode } from '@qrca/contract';
import { useState } from 'react';
import type { FieldErrors, SessionFormValues } from '../lib/session-form';
import { Choices, Field } from './form-parts';

type LocationValues = Pick<SessionFormValues, 'lat' | 'lon' | 'radiusM' | 'geofenceMode'>;

const MODES = [
  { value: 'off', label: 'Don’t check', hint: 'Phones are not asked where they are.' },
  { value: 'warn', label: 'Accept and flag', hint: 'Check-ins from outside the circle count, flagged for you.' },
  { value: 'enforce', label: 'Refuse', hint: 'Check-ins from outside the circle are refused.' },
] as const satisfies readonly { value: PolicyMode; label: string; hint: string }[];

/** Why the browser gave no position, in words that say what to do. */
function locationProblem(error: GeolocationPositionError): string {
  if (error.code === error.PERMISSION_DENIED) {
    return 'Your browser did not share your location. Allow location for this site in the browser’s settings, or type the latitude and longitude.';
  }
  if (error.code === error.TIMEOUT) {
    return 'Finding your location took too long. Try again, or type the latitude and longitude.';
  }
  return 'Your location could not be found just now. Try again, or type the latitude and longitude.';
}

export function LocationField({
  values,
  errors,
  onChange,
}: {
  values: LocationValues;
  errors: FieldErrors;
  onChange: (change: Partial<LocationValues>) => void;
}) {
  const [status, setStatus] = useState<{ text: string; tone: 'neutral' | 'good' | 'bad' }>();
  const [locating, setLocating] = useState(false);

  const locateMe = () => {
    if (locating) return;
    if (!('geolocation' in navigator)) {
      setStatus({ tone: 'bad', text: 'This browser cannot share your location. Type the latitude and longitude.' });
      return;
    }
    setLocating(true);
    setStatus({ tone: 'neutral', text: 'Finding your location…' });
    navigator.geolocation.getCurrentPosition(
      (position) => {
        setLocating(false);
        const { latitude, longitude, accuracy } = position.coords;
        onChange({ lat: latitude.toFixed(6), lon: longitude.toFixed(6) });
        const metres = Math.round(accuracy);
        const radius = Number(values.radiusM);
        const loose = Number.isFinite(radius) && metres > radius;
        setStatus({
          tone: 'good',
          text:
            `Location set, accurate to about ${metres.toLocaleString()} m.` +
            (loose ? ' That is more than the radius: consider a larger one.' : ''),
        });
      },
      (error) => {
        setLocating(false);
        setStatus({ tone: 'bad', text: locationProblem(error) });
      },
      { enableHighAccuracy: true, timeout: 15_000, maximumAge: 0 },
    );
  };

  return (
    <fieldset>
      <legend>
        <h2>Location check</h2>
      </legend>
      <p className="field-hint">
        Check-ins can be checked against a circle around the classroom. Phones are asked for their position only when
        this check is on.
      </p>
      <Choices
        id="session-geofence-mode"
        legend="Phones outside the circle"
        name="geofenceMode"
        value={values.geofenceMode}
        options={MODES}
        onChange={(geofenceMode) => onChange({ geofenceMode })}
        error={errors.geofenceMode}
        inline
      />
      <div className="field-row">
        <Field id="session-lat" label="Latitude" error={errors.lat}>
          {(aria) => (
            <input
              id="session-lat"
              type="number"
              step="any"
              min={-90}
              max={90}
              value={values.lat}
              onChange={(event) => onChange({ lat: event.target.value })}
              {...aria}
            />
          )}
        </Field>
        <Field id="session-lon" label="Longitude" error={errors.lon}>
          {(aria) => (
            <input
              id="session-lon"
              type="number"
              step="any"
              min={-180}
              max={180}
              value={values.lon}
              onChange={(event) => onChange({ lon: event.target.value })}
              {...aria}
            />
          )}
        </Field>
        <Field id="session-radius" label="Radius (metres)" error={errors.radiusM}>
          {(aria) => (
            <input
              id="session-radius"
              type="number"
              inputMode="numeric"
              step={1}
              min={10}
              max={5000}
              value={values.radiusM}
              onChange={(event) => onChange({ radiusM: event.target.value })}
              {...aria}
            />
          )}
        </Field>
      </div>
      <div className="location-actions">
        <button type="button" className="secondary" onClick={locateMe} aria-disabled={locating}>
          {locating ? 'Finding your location…' : 'Use my location'}
        </button>
      </div>
      <p role="status" className={status ? `notice notice-${status.tone}` : 'sr-only'}>
        {status?.text}
      </p>
    </fieldset>
  );
}
