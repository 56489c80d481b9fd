export {
  DEFAULT_FAULT_SENSOR,
  FAULT_DESCRIPTIONS,
  FAULT_SPEC_SYNTAX,
  FAULT_TYPES,
  SENSORS,
  SENSOR_FAULTS,
  formatFaultSpec,
  parseFaultSpec,
  type FaultSpec,
  type FaultType,
  type SensorName,
} from './faults.js';
export { NOMINAL, type OperatingPoint } from './machine-model.js';
export {
  DEFAULT_SIMULATION,
  MAX_MACHINES,
  MAX_ROWS,
  Simulator,
  lastTimestamp,
  machineId,
  readingsOfMachine,
  resolveSimulationOptions,
  simulateReadings,
  type SimulatedReading,
  type SimulationOptions,
} from './simulator.js';
export { SIMULATION_FORMATS, formatFromPath, writeSimulation, type SimulationFormat } from './write-simulation.js';
