import { describe, expect, it } from 'vitest';
import { planClass, runTagAt, type PlanInput } from './plan';

const input: PlanInput = {
  classIndex: 0,
  students: 60,
  late: 0.1,
  noShow: 0.05,
  earlyLeave: 0.05,
  seed: 1,
  runTag: 'abc1234',
  teacherDomain: 'teacher.test',
  studentDomain: 'student.test',
};

describe('planClass', () => {
  it('makes the exact shares: 6 late, 3 absent, 51 on time, 3 of the 57 present leave early', () => {
    const plan = planClass(input);
    const by = (arrival: string) => plan.students.filter((s) => s.arrival === arrival).length;
    expect([by('on_time'), by('late'), by('no_show')]).toEqual([51, 6, 3]);
    const leavers = plan.students.filter((s) => s.leavesEarly);
    expect(leavers).toHaveLength(3);
    expect(leavers.every((s) => s.arrival !== 'no_show')).toBe(true);
  });

  it('is the same for the same seed and different for another', () => {
    expect(planClass(input)).toEqual(planClass(input));
    expect(planClass({ ...input, seed: 2 }).students).not.toEqual(planClass(input).students);
  });

  it('gives every student and the teacher an address of this run and class', () => {
    const plan = planClass({ ...input, classIndex: 2 });
    expect(plan.teacherEmail).toBe('sim-abc1234-c3-teacher@teacher.test');
    expect(plan.students[0]?.email).toBe('sim-abc1234-c3-s0001@student.test');
    expect(new Set(plan.students.map((s) => s.email)).size).toBe(60);
  });

  it('has everyone on time by default', () => {
    const plan = planClass({ ...input, late: 0, noShow: 0, earlyLeave: 0 });
    expect(plan.students.every((s) => s.arrival === 'on_time' && !s.leavesEarly)).toBe(true);
  });

  it('tags runs with letters and digits', () => {
    expect(runTagAt(1_790_000_000_000)).toMatch(/^[a-z0-9]{7}$/);
  });
});
