import { describe, expect, it } from 'vitest';
import { emailDomain, roleAdmits, roleFor } from './roles';

const rules = {
  adminEmails: ['it@uni.edu'],
  teacherDomains: ['uni.edu'],
  studentDomains: ['students.uni.edu', 'uni.edu'],
};

describe('roleFor', () => {
  it('ranks admin over teacher over student', () => {
    expect(roleFor('it@uni.edu', rules, false)).toBe('admin');
    expect(roleFor('it@uni.edu', rules, true)).toBe('admin');
    expect(roleFor('prof@uni.edu', rules, false)).toBe('teacher'); // in both lists: teacher wins
    expect(roleFor('kid@students.uni.edu', rules, false)).toBe('student');
    expect(roleFor('kid@students.uni.edu', rules, true)).toBe('teacher'); // allow-listed
  });

  it('matches whole domains only', () => {
    expect(roleFor('x@evil-uni.edu', rules, false)).toBeUndefined();
    expect(roleFor('x@uni.edu.evil.com', rules, false)).toBeUndefined();
    expect(roleFor('x@sub.students.uni.edu', rules, false)).toBeUndefined();
    expect(emailDomain('"a@b"@Uni.EDU')).toBe('uni.edu');
  });
});

describe('roleAdmits', () => {
  it('lets admins do what teachers do, and nothing cross students and teachers', () => {
    expect(roleAdmits('teacher', 'admin')).toBe(true);
    expect(roleAdmits('admin', 'teacher')).toBe(false);
    expect(roleAdmits('student', 'teacher')).toBe(false);
    expect(roleAdmits('teacher', 'student')).toBe(false);
    expect(roleAdmits('any', 'student')).toBe(true);
  });
});
