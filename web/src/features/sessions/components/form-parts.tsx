/** Building blocks of the session form: a labelled field with its hint and error, and a group of radio choices. */
import type { ReactNode } from 'react';

/** The ids a field's control points at: its hint and its error, when shown. */
export function describedBy(id: string, hint: ReactNode, error: string | undefined): string | undefined {
  const ids = [hint ? `${id}-hint` : '', error ? `${id}-error` : ''].filter(Boolean);
  return ids.length > 0 ? ids.join(' ') : undefined;
}

/** A field's error line (announced with the form's error summary). */
export function FieldError({ id, error }: { id: string; error: string | undefined }) {
  if (!error) return null;
  return (
    <p id={`${id}-error`} className="field-error">
      {error}
    </p>
  );
}

/**
 * A label, a hint, the control (given its `aria-describedby` and `aria-invalid`), and the error under it.
 * The control must carry `id`.
 */
export function Field({
  id,
  label,
  hint,
  error,
  children,
}: {
  id: string;
  label: ReactNode;
  hint?: ReactNode;
  error: string | undefined;
  children: (aria: { 'aria-describedby'?: string; 'aria-invalid'?: true }) => ReactNode;
}) {
  const aria = {
    ...(describedBy(id, hint, error) ? { 'aria-describedby': describedBy(id, hint, error) } : {}),
    ...(error ? { 'aria-invalid': true as const } : {}),
  };
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      {hint && (
        <p id={`${id}-hint`} className="field-hint">
          {hint}
        </p>
      )}
      {children(aria)}
      <FieldError id={id} error={error} />
    </div>
  );
}

export interface ChoiceOption<T extends string> {
  readonly value: T;
  readonly label: string;
  readonly hint?: string;
}

/** Radio buttons in a fieldset whose legend names the group; each option may explain itself in one line. */
export function Choices<T extends string>({
  id,
  legend,
  name,
  value,
  options,
  onChange,
  error,
  inline = false,
}: {
  id: string;
  legend: string;
  name: string;
  value: T;
  options: readonly ChoiceOption<T>[];
  onChange: (value: T) => void;
  error?: string | undefined;
  inline?: boolean;
}) {
  return (
    <fieldset id={id} aria-describedby={error ? `${id}-error` : undefined}>
      <legend>{legend}</legend>
      <div className={`choices${inline ? ' inline' : ''}`}>
        {options.map((option) => {
          const optionId = `${id}-${option.value}`;
          return (
            <label key={option.value} className="choice" htmlFor={optionId}>
              <input
                type="radio"
                id={optionId}
                name={name}
                value={option.value}
                checked={value === option.value}
                onChange={() => onChange(option.value)}
                aria-labelledby={`${optionId}-label`}
                aria-describedby={option.hint ? `${optionId}-hint` : undefined}
              />
              <span className="choice-text">
                <span id={`${optionId}-label`} className="choice-title">
                  {option.label}
                </span>
                {option.hint && (
                  <span id={`${optionId}-hint`} className="choice-hint">
                    {option.hint}
                  </span>
                )}
              </span>
            </label>
          );
        })}
      </div>
      <FieldError id={id} error={error} />
    </fieldset>
  );
}
