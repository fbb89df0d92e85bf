/** Counts in words: "1 student", "2 students", "1,250 students". */

/** `n` (with the locale's thousands separators) and the word for one or many. Throws nothing. */
export const plural = (n: number, one: string, many: string): string => `${n.toLocaleString()} ${n === 1 ? one : many}`;
