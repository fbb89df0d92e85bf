import { describe, expect, it } from 'vitest';
import { campusIp, homeIp, onCampus, teacherCampusIp } from './network';

describe('addresses', () => {
  it('spreads the hall over the campus NAT pool, one address per phone', () => {
    expect([0, 1, 2, 3, 4].map((i) => campusIp(i))).toEqual([
      '198.18.0.1',
      '198.18.1.1',
      '198.18.2.1',
      '198.18.3.1',
      '198.18.0.2',
    ]);
    const many = Array.from({ length: 5_000 }, (_, i) => campusIp(i));
    expect(new Set(many).size).toBe(5_000);
    expect(many.every(onCampus)).toBe(true);
    expect(new Set(Array.from({ length: 1_000 }, (_, i) => campusIp(i).split('.')[2])).size).toBe(4);
    expect(new Set(Array.from({ length: 100 }, (_, i) => campusIp(i, 1).split('.')[2]))).toEqual(new Set(['0']));
  });

  it('keeps teachers on campus apart from the students, and homes off campus, each in a /24 of its own', () => {
    const students = new Set(Array.from({ length: 1_000 }, (_, i) => campusIp(i)));
    const teachers = Array.from({ length: 16 }, (_, c) => teacherCampusIp(c));
    expect(new Set(teachers).size).toBe(16);
    expect(teachers.every((ip) => onCampus(ip) && !students.has(ip))).toBe(true);
    const homes = Array.from({ length: 256 }, (_, j) => homeIp(j));
    expect(homes.some(onCampus)).toBe(false);
    expect(new Set(homes.map((ip) => ip.split('.').slice(0, 3).join('.'))).size).toBe(256);
  });
});
