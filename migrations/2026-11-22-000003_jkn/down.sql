DROP SEQUENCE IF EXISTS jkn_medical_record_numbers;
DROP TABLE IF EXISTS bpjs_tasks;
